"""Red-letter information confirmation forms (红字发票信息确认单) and the red invoices issued
against them."""
