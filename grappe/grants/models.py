"""Grant agreements, payment plans, expense statements, installments and reports."""
