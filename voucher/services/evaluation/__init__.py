"""Evaluation: pilot planner, per-beneficiary autonomy outcome, adjusted comparisons."""
