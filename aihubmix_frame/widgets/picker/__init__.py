"""Parts of the ModelPicker: its summary and price-map wiring, its page table."""
