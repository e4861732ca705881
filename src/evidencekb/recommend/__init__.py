"""Patients in, decisions out: the patient contract, the council's start/stop rules, compare across sources."""
