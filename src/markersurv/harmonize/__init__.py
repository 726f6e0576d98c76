"""One cohort's source records to canonical patient rows, with the exclusions ledger."""
