"""Report text and tables generated from a run: methods, REMARK checklist, cautions, Table 1."""
