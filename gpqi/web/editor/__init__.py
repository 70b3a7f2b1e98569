"""The indicator editor: central roles write, check, preview and publish workspace definitions
and upload codelists; every publication is recorded (who, when, checked by, the diff)."""
