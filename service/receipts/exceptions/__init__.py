"""Receipt exceptions (R8) worked to their end: re-delivery, carrier claim, acceptance, return."""
