"""The fuzz cases' machinery: generation from the derived spec by Schemathesis, sending
through the run's Client, judging under the catalogue's requirements.

plugin: options resolved into the run's settings, the schemas built per run, fixtures;
schemas: the Schemathesis schemas; transport: how their requests reach the Client;
runner: sending a generated case and the failure a vendor reads; stateful: the sequences case;
answers: each distinct input sent once a run; limits: requests a second, completions created.
The cases themselves are in conformance/cases/test_fuzz.py.
"""
