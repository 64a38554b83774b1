"""Mutation testing of the reference server with cosmic-ray (make mutation): the suite's power
measured on faults nobody chose."""
