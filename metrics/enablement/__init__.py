"""Enablement figures (#16): training completion by team, playbook use and deflection,
knowledge concentration. In metrics because deflection reads intake's requests."""
