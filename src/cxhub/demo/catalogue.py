"""What Aurora Telecomunicazioni sells and where: products, stores, campaigns, vocabularies."""

from __future__ import annotations

from typing import NamedTuple


class Product(NamedTuple):
    sku: str
    name: str
    category: str  # fibra | mobile | tv | modem | smartphone | accessorio
    cents: int  # list price; the monthly fee for plans
    kind: str  # plan | device | accessory
    business: bool = False


class Store(NamedTuple):
    touchpoint: str
    name: str
    city: str
    weight: float  # share of the customer base living nearby
    quality: float  # how much better (or worse) than average a visit feels


class Campaign(NamedTuple):
    day: int
    minute: int
    name: str
    sku: str
    discount_percent: int


PRODUCTS: tuple[Product, ...] = (
    Product("FIBRA-1G", "Fibra 1 Giga", "fibra", 2990, "plan"),
    Product("FIBRA-2.5G", "Fibra 2.5 Giga", "fibra", 3490, "plan"),
    Product("FWA-CASA", "Internet Casa FWA", "fibra", 2490, "plan"),
    Product("BIZ-FIBRA-PRO", "Fibra Business Pro", "fibra", 4990, "plan", True),
    Product("MOB-100GB", "Mobile 100GB", "mobile", 999, "plan"),
    Product("MOB-200GB-5G", "Mobile 200GB 5G", "mobile", 1499, "plan"),
    Product("MOB-UNLIMITED", "Mobile Giga Illimitati", "mobile", 1999, "plan"),
    Product("MOB-JUNIOR", "Mobile Junior 30GB", "mobile", 699, "plan"),
    Product("BIZ-MOB-PRO", "Mobile Business Pro", "mobile", 2499, "plan", True),
    Product("TV-PACK-SPORT", "Pacchetto TV Sport", "tv", 1499, "plan"),
    Product("TV-BOX", "Aurora TV Box 4K", "tv", 5990, "device"),
    Product("MODEM-X7", "Modem Aurora X7 Wi-Fi 7", "modem", 14900, "device"),
    Product("MODEM-X6", "Modem Aurora X6", "modem", 7900, "device"),
    Product("MESH-DUO", "Ripetitori Mesh Duo", "modem", 8990, "device"),
    Product("IPHONE-16", "iPhone 16 128GB", "smartphone", 97900, "device"),
    Product("IPHONE-16-PRO", "iPhone 16 Pro 256GB", "smartphone", 133900, "device"),
    Product("GALAXY-S25", "Samsung Galaxy S25", "smartphone", 92900, "device"),
    Product("GALAXY-A56", "Samsung Galaxy A56", "smartphone", 44900, "device"),
    Product("PIXEL-9", "Google Pixel 9", "smartphone", 89900, "device"),
    Product("REDMI-NOTE-14", "Xiaomi Redmi Note 14", "smartphone", 24900, "device"),
    Product("COVER-UNI", "Cover universale", "accessorio", 1990, "accessory"),
    Product("VETRO-TEMP", "Pellicola in vetro temperato", "accessorio", 1490, "accessory"),
    Product("CARICA-30W", "Caricabatterie rapido 30W", "accessorio", 2490, "accessory"),
    Product("AURICOLARI-BT", "Auricolari Bluetooth Aurora", "accessorio", 7990, "accessory"),
    Product("POWERBANK-10K", "Power bank 10.000 mAh", "accessorio", 2990, "accessory"),
)
STORES: tuple[Store, ...] = (
    Store("negozio_milano_duomo", "Milano Duomo", "Milano", 7.0, 0.6),
    Store("negozio_milano_buenos_aires", "Milano Corso Buenos Aires", "Milano", 5.0, 0.1),
    Store("negozio_roma_termini", "Roma Termini", "Roma", 7.0, -0.6),
    Store("negozio_roma_eur", "Roma EUR", "Roma", 5.0, 0.4),
    Store("negozio_napoli_toledo", "Napoli Via Toledo", "Napoli", 6.0, 0.2),
    Store("negozio_torino_porta_nuova", "Torino Porta Nuova", "Torino", 5.0, 0.3),
    Store("negozio_bologna_rizzoli", "Bologna Via Rizzoli", "Bologna", 4.0, 0.8),
    Store("negozio_firenze_santa_maria_novella", "Firenze Santa Maria Novella", "Firenze", 4.0, 0.2),
    Store("negozio_palermo_liberta", "Palermo Via Libertà", "Palermo", 4.0, -0.3),
    Store("negozio_bari_sparano", "Bari Via Sparano", "Bari", 3.5, 0.5),
    Store("negozio_genova_de_ferrari", "Genova De Ferrari", "Genova", 3.0, 0.0),
    Store("negozio_verona_arena", "Verona Arena", "Verona", 2.5, 0.4),
    Store("negozio_venezia_mestre", "Venezia Mestre", "Venezia", 2.5, -0.2),
    Store("negozio_padova_centro", "Padova Centro", "Padova", 2.5, 0.3),
    Store("negozio_catania_etnea", "Catania Via Etnea", "Catania", 3.0, -0.1),
    Store("negozio_cagliari_roma", "Cagliari Via Roma", "Cagliari", 2.0, 0.5),
)
EVENT_TYPES = (
    "web_visit", "app_session", "purchase", "return", "call", "chat", "email", "complaint",
    "store_visit", "survey_response", "offer", "plan_change",
)  # fmt: skip
CHANNELS = ("web", "app", "store", "contact_center", "email", "chat", "social")
REASONS = ("fatturazione", "consegna", "rete", "attivazione", "app", "personale")
JOURNEY_STAGES = ("scoperta", "acquisto", "attivazione", "uso", "assistenza", "rinnovo")
MOBILE_PREFIXES = tuple(range(320, 340)) + tuple(range(340, 350)) + tuple(range(360, 369)) + tuple(range(380, 394))
