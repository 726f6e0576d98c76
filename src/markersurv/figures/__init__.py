"""Figure sets per cancer type and the summary figures: read result tables, call plots."""
