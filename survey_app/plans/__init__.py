"""Plans as data: each Ambito's Piani di Zona loaded from a JSON or XLSX file, listed, exported.

``fileformat`` reads and checks plan files, ``workbook`` reads and writes the XLSX form,
``importing`` stores a checked plan (all or nothing, audited), ``exporting`` writes one back,
``cli`` holds ``flask plans ...`` and ``views`` the admin page ``/amministrazione/piani``.
"""
