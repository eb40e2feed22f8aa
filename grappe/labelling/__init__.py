"""Cluster labelling: submissions for accreditation, committees, criteria, declarations, decisions."""
