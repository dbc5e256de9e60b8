"""Plans as data: each Ambito's Piani di Zona, which rounds give each verdict, the cycle.

``fileformat`` reads and checks plan files, ``workbook`` reads and writes the XLSX form,
``importing`` stores a checked plan (all or nothing, audited), ``exporting`` writes one back,
``cli`` holds ``flask plans ...`` and ``views`` the admin page ``/amministrazione/piani``;
``queries`` reads plans, ``designation`` says which rounds give each verdict, ``context`` picks
the plan a staff page shows.
"""
