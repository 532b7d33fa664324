"""The "Who said what" tab: its speaker listing, its HTML view and its exports."""
