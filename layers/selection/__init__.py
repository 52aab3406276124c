"""What a selection shows: filters, numbering, statistics and the detail panel."""
