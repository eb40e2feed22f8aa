"""Label attestations: signed, publicly verifiable records of a cluster's accreditation."""
