"""Plans as data: each Ambito's Piani di Zona, which rounds give each verdict, the cycle."""
