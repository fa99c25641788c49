"""The ``homog`` command line interface, a thin shell over the core API."""
