"""The plan's catalog: objectives and process, output and outcome indicators of the Piano di Zona."""
