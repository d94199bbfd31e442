"""The rdf stage."""
