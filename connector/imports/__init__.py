"""Historical leads from a spreadsheet export, through the same path as a form."""
