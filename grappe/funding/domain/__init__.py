"""Pure funding rules: GBER Art. 25 intensities, call rule sets, eligibility and aid simulation.

No Django here (an import-linter contract enforces it). Inputs are frozen dataclasses, money is
`Decimal`, and every figure comes with `Explanation` steps whose `code` maps to an English
template in `messages.MESSAGES`.
"""
