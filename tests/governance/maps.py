"""A small governance map with one gap of each kind, known to the tests by heart."""

from __future__ import annotations

SMALL_MAP = """\
departments:
  - key: care
    name: Customer Care
    labels: {it: Assistenza clienti, en: Customer Care}
    lead_email: care@example.it
    kpis: [{metric: csat, target: 4.2}, ces]
  - key: billing
    name: Billing
    kpis: [{metric: complaint_rate, target: 0.01}]
  - {key: digital, name: Digital}
  - {key: hr, name: Human resources}
touchpoints:
  - key: call_center
    name: Call center
    channel: contact_center
    description: Inbound calls
    raci: {A: care, R: [care], C: [hr], I: [billing]}
  - {key: web, name: Web site, channel: web, raci: {A: digital, R: [digital]}}
  - {key: bills, name: Bills, raci: {A: [billing, care], R: [billing]}}
  - {key: social, name: Social pages, channel: social, raci: {R: [care]}}
stages:
  - {key: purchase, name: Purchase, order: 1, raci: {A: digital}}
  - {key: support, name: Support, order: 2, raci: {A: care, R: [care, billing], I: [hr]}}
  - {key: renewal, name: Renewal, order: 3, raci: {R: [billing]}}
"""
