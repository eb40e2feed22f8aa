"""Pure decision rules: the allocation itself is `grappe.funding.domain.allocation`."""
