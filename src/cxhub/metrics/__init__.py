"""CX metrics (NPS, CSAT, CES, eNPS): definitions, statistics that can be trusted, key drivers."""
