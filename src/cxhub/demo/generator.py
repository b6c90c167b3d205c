"""Aurora Telecomunicazioni: a deterministic, streaming synthetic omnichannel Italian telco.

``generate_events(customers, seed, as_of)`` yields the raw event dicts the brand's touchpoints would
POST to the hub (web site, app, stores, contact center, chat, e-mail, social, billing, delivery),
customer by customer, in constant memory. Each person appears as identity *fragments* (a device on
the web site, a phone number at the contact center, a loyalty card in a store) that later events
bridge (an app login with e-mail and device, an online order with e-mail and CRM id, a store
purchase with loyalty card and phone), written in the mixed formats real systems send.

The brand has seasons (Black Friday, Christmas, September launches, a quiet August), opening hours,
a billing incident four months before ``as_of``, survey scores that follow what each customer went
through, and planted "disconnected experiences": offers for products just bought, offers sent while
a complaint is open, the same problem raised on two channels, a survey right after a complaint.
"""

from __future__ import annotations

import math
import random
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import accumulate
from typing import Any

from cxhub.demo import texts
from cxhub.demo.catalogue import MOBILE_PREFIXES, PRODUCTS, REASONS, STORES, Product, Store
from cxhub.demo.seasons import _HHMM, _MINUTES, _SS, _STORE_CLOSES, _TABLE_BITS, _black_friday, _Calendar

Event = dict[str, Any]


_SKU = {product.sku: product for product in PRODUCTS}
_GOODS = tuple(product for product in PRODUCTS if product.kind != "plan")
_ACCESSORIES = tuple(product for product in PRODUCTS if product.kind == "accessory")
# Where each complaint reason's experience failed.
_FAULT = {
    "fatturazione": "fatturazione",
    "consegna": "consegna",
    "rete": "rete",
    "attivazione": "attivazione_fibra",
    "app": "app_mobile",
    "personale": "call_center",
}
# How a touchpoint shifts satisfaction (stores add their own quality on top).
_TOUCHPOINT_MOOD = {
    "call_center": -1.1,
    "chat_assistenza": -0.4,
    "email_assistenza": -0.6,
    "sito_web": 0.2,
    "app_mobile": 0.3,
    "consegna": -0.2,
    "attivazione_fibra": -0.5,
    "fatturazione": -0.9,
    "relazione_cliente": -0.2,
}
_SCALE = {"nps": "0-10", "csat": "1-5", "ces": "1-7"}
_WEB_PAGES = (
    "/", "/offerte/fibra", "/offerte/mobile", "/smartphone", "/smartphone/iphone-16", "/smartphone/galaxy-s25",
    "/area-clienti", "/area-clienti/bollette", "/supporto/modem", "/negozi", "/copertura", "/tv",
)  # fmt: skip
_WEB_SOURCES = ("diretto", "diretto", "google", "google", "email", "social", "comparatore")
_APP_SCREENS = ("home", "consumi", "consumi", "bollette", "offerte", "supporto", "profilo", "ricarica")
_STORE_PURPOSES = ("informazioni", "pagamento_bolletta", "assistenza", "ritiro_ordine", "acquisto")
_RETURN_REASONS = ("difettoso", "ripensamento", "non_conforme", "danneggiato")


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(ch for ch in ascii_name.lower() if ch.isalnum())


def _local_part(first: str, last: str, variant: int) -> str:
    """The e-mail local part for a name; injective in ``variant`` (first and last names are disjoint)."""
    if variant < 4:
        return (f"{first}.{last}", f"{first}{last}", f"{last}.{first}", f"{first}_{last}")[variant]
    if variant < 104:
        return f"{first}.{last}{(variant + 66) % 100:02d}"
    return f"{first}.{last}.{variant}"


class _Names:
    """A bijection from the k-th person of a language to a unique (first, last, e-mail local part)."""

    def __init__(self, firsts: Sequence[tuple[str, bool]], lasts: Sequence[str], capacity: int, seed: int) -> None:
        self.firsts = [(name, female, _slug(name)) for name, female in firsts]
        self.lasts = [(name, _slug(name)) for name in lasts]
        self.pairs = len(self.firsts) * len(self.lasts)
        self.size = self.pairs * max(1, -(-capacity // self.pairs))
        self.mult = 1_000_003
        while math.gcd(self.mult, self.size) != 1:
            self.mult += 2
        self.shift = (seed * 7919) % self.size

    def pick(self, k: int) -> tuple[str, bool, str, str]:
        j = (k * self.mult + self.shift) % self.size if k < self.size else k
        pair, variant = j % self.pairs, j // self.pairs
        first, female, first_slug = self.firsts[pair % len(self.firsts)]
        last, last_slug = self.lasts[pair // len(self.firsts)]
        return first, female, last, _local_part(first_slug, last_slug, variant)


@dataclass(slots=True)
class _Person:
    idx: int
    english: bool
    emails: tuple[str, ...]  # the canonical spelling first, then case variations
    second_email: str | None
    phones: tuple[str, ...]  # the person's usual format first
    crm: str
    loyalty: str | None
    web_device: str
    app_device: str | None
    shared_device: str | None
    store: Store
    segment: str
    style: str  # digital | omni | traditional
    mood: float
    join: int
    end: int
    os: str
    ctx: dict[str, str]
    fixed: str | None = None
    mobile: str | None = None
    bought: list[str] = field(default_factory=list)
    hurts: list[tuple[int, float]] = field(default_factory=list)


_STORE_CUM = list(accumulate(store.weight for store in STORES))
_DOMAIN_IT_CUM = list(accumulate(weight for _, weight in texts.DOMAINS_IT))
_DOMAIN_EN_CUM = list(accumulate(weight for _, weight in texts.DOMAINS_EN))
_EPISODES = ("browse", "app", "store", "buy_online", "buy_store", "service", "question", "plan", "offer", "nps")
_EPISODE_WEIGHTS = {
    "digital": (3.0, 3.0, 0.4, 0.9, 0.2, 1.0, 0.6, 0.35, 1.7, 0.35),
    "omni": (2.0, 1.5, 1.5, 0.6, 0.6, 1.0, 0.6, 0.35, 1.6, 0.35),
    "traditional": (0.7, 0.3, 2.8, 0.15, 0.9, 1.1, 0.6, 0.3, 1.3, 0.35),
}
_EPISODE_CUM = {style: list(accumulate(weights)) for style, weights in _EPISODE_WEIGHTS.items()}


def _pick(rng: random.Random, cum: Sequence[float]) -> int:
    return bisect_right(cum, rng.random() * cum[-1])


def _device_id(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


# --- the brand -----------------------------------------------------------------------------------


class _Brand:
    """Writes one customer's life at a time; ``customer(idx)`` returns their events in time order."""

    p: _Person  # the customer being written

    def __init__(self, customers: int, seed: int, cal: _Calendar) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.cal = cal
        italian = [(n, False) for n in texts.FIRST_IT_M] + [(n, True) for n in texts.FIRST_IT_F]
        english = [(n, False) for n in texts.FIRST_EN_M] + [(n, True) for n in texts.FIRST_EN_F]
        self.names = (
            _Names(italian, texts.LAST_IT, customers, seed),
            _Names(english, texts.LAST_EN, max(1, customers // 8), seed),
        )
        self.counts = [0, 0]
        self.orders = 0
        self.tickets = 0
        self.previous: tuple[str, Store] | None = None  # the last person's web device and store
        self.out: list[tuple[int, int, Event]] = []

    # -- the person and their fragments ------------------------------------------------------------

    def _person(self, idx: int) -> _Person:
        rng, cal = self.rng, self.cal
        english = rng.random() < 0.10
        k = self.counts[english]
        self.counts[english] += 1
        first, female, last, local = self.names[english].pick(k)
        domains, cum = (texts.DOMAINS_EN, _DOMAIN_EN_CUM) if english else (texts.DOMAINS_IT, _DOMAIN_IT_CUM)
        domain = domains[_pick(rng, cum)][0]
        email = f"{local}@{domain}"
        first_slug, last_slug = _slug(first), _slug(last)
        fancy = local.replace(first_slug, first_slug.title(), 1).replace(last_slug, last_slug.title(), 1)
        emails = (email, f"{fancy}@{domain}", f"{local}@{domain.upper()}", f"{fancy}@{domain.title()}")
        second = f"{local}@{rng.choice(texts.SECOND_DOMAINS)}" if rng.random() < 0.03 else None
        prefix = rng.choice(MOBILE_PREFIXES)
        digits = f"{(idx * 7_654_321 + self.seed * 1_234_567 + 98_765) % 10**7:07d}"
        phones = [
            f"+39 {prefix} {digits[:3]} {digits[3:]}",
            f"{prefix}{digits}",
            f"{prefix}-{digits[:3]}-{digits[3:]}",
            f"{prefix} {digits}",
            f"+39{prefix}{digits}",
            f"0039 {prefix} {digits}",
        ]
        favourite = rng.randrange(len(phones))
        phones.insert(0, phones.pop(favourite))
        r = rng.random()
        style = (
            ("digital" if r < 0.6 else "omni")
            if english
            else ("digital" if r < 0.4 else "omni" if r < 0.76 else "traditional")
        )
        loyalty_n = (idx * 104_729 + self.seed * 13 + 42) % 10**8
        has_loyalty = rng.random() < {"digital": 0.3, "omni": 0.65, "traditional": 0.8}[style]
        has_app = rng.random() < {"digital": 0.85, "omni": 0.6, "traditional": 0.15}[style]
        store = STORES[_pick(rng, _STORE_CUM)]
        shared = None
        if self.previous and rng.random() < 0.03:
            # Same household as the previous person: the family laptop and the same neighbourhood store.
            shared, store = self.previous
        web_device = _device_id(rng)
        self.previous = (web_device, store)
        join = 0
        if rng.random() < 0.28 and cal.last > 30:
            join = self._day(cal.online, 0, cal.last - 7)
        end = cal.last
        churn = rng.random() < 0.07 and cal.last - join > 60
        if churn:
            end = self._day(cal.service, join + 45, cal.last)
        person = _Person(
            idx=idx,
            english=english,
            emails=emails,
            second_email=second,
            phones=tuple(phones),
            crm=f"CRM-{(idx * 7919 + self.seed * 104_729 + 1000) % 10**7:07d}",
            loyalty=f"LY-{loyalty_n // 10000:04d}-{loyalty_n % 10000:04d}" if has_loyalty else None,
            web_device=web_device,
            app_device=_device_id(rng) if has_app else None,
            shared_device=shared,
            store=store,
            segment="business" if rng.random() < 0.08 else "consumer",
            style=style,
            mood=rng.gauss(0.0, 0.9),
            join=join,
            end=end,
            os="ios" if rng.random() < 0.42 else "android",
            ctx={
                "nome": f"{first} {last}" if rng.random() < 0.6 else first,
                "citta": store.city,
                "o": "a" if female else "o",
                "lingua": "en" if english else "it",
                "prodotto": "",
                "mese": "",
            },
        )
        if churn:
            person.hurts.append((max(join, end - 20), 1.5))
        return person

    def _email(self) -> str:
        p, r = self.p, self.rng.random()
        if p.second_email and r < 0.25:
            return p.second_email
        return p.emails[0] if r < 0.82 else p.emails[1 + int((r - 0.82) * 16.6)]

    def _phone(self) -> str:
        p = self.p
        return p.phones[0] if self.rng.random() < 0.7 else self.rng.choice(p.phones)

    def _loyalty(self) -> dict[str, str]:
        p, r = self.p, self.rng.random()
        if p.loyalty is None:
            return {"phone": self._phone()}
        card = p.loyalty.lower() if r < 0.05 else p.loyalty
        return {"loyalty_id": card, "phone": self._phone()} if r > 0.7 else {"loyalty_id": card}

    def _web_ids(self, logged_in: float) -> dict[str, str]:
        p = self.p
        device = p.shared_device if p.shared_device and self.rng.random() < 0.4 else p.web_device
        if self.rng.random() < logged_in:
            return {"device_id": device, "email": self._email()}
        return {"device_id": device}

    # -- time and output ---------------------------------------------------------------------------

    def _day(self, cum: list[float], lo: int, hi: int) -> int:
        lo, hi = max(lo, 0), min(hi, self.cal.last)
        if hi <= lo:
            return lo
        base = cum[lo - 1] if lo else 0.0
        return min(bisect_right(cum, base + self.rng.random() * (cum[hi] - base), lo, hi), hi)

    def _minute(self, profile: str) -> int:
        return _MINUTES[profile][self.rng.getrandbits(_TABLE_BITS)]

    def _emit(
        self,
        day: int,
        minute: int,
        kind: str,
        channel: str,
        touchpoint: str,
        ids: dict[str, str],
        attributes: dict[str, Any] | None = None,
        *,
        text: str | None = None,
        score: float | None = None,
        cents: int | None = None,
        products: list[dict[str, Any]] | None = None,
    ) -> bool:
        cal = self.cal
        minute = min(minute, 1439)
        if day == cal.last and minute >= cal.cap:
            day -= 1
        if day < 0 or day > cal.last:
            return False
        sec = self.rng.getrandbits(6)
        event: Event = {
            "event_id": "",
            "occurred_at": cal.prefix[day] + _HHMM[minute] + _SS[sec] + cal.offset[day],
            "type": kind,
            "channel": channel,
            "touchpoint": touchpoint,
            "identifiers": ids,
        }
        if attributes:
            event["attributes"] = attributes
        if text:
            event["text"] = text
        if score is not None:
            event["score"] = score
        if cents is not None:
            event["amount"] = {"cents": cents, "currency": "EUR"}
        if products:
            event["products"] = products
        self.out.append(((day * 1440 + minute) * 64 + sec, len(self.out), event))
        return True

    def _ctx(self, product: str = "", month: str = "") -> dict[str, str]:
        ctx = dict(self.p.ctx)
        ctx["prodotto"] = product or ("phone" if self.p.english else "telefono")
        ctx["mese"] = month
        return ctx

    # -- a life ------------------------------------------------------------------------------------

    def customer(self, idx: int) -> list[Event]:
        rng, cal = self.rng, self.cal
        self.out = []
        p = self.p = self._person(idx)
        if p.join == 0:
            self._existing_plans()
        else:
            self._acquisition(p.join)
        target = 2 + min(38, int(rng.expovariate(1 / 8.0)))
        plan: list[tuple[int, int, str, int]] = []
        cum = _EPISODE_CUM[p.style]
        for i in range(max(1, round(target / 1.62))):
            kind = _EPISODES[_pick(rng, cum)]
            if kind == "app" and p.app_device is None:
                kind = "browse"
            arg = 0
            if kind == "offer":
                lo = bisect_left(cal.campaign_days, p.join)
                hi = bisect_right(cal.campaign_days, p.end)
                if hi <= lo:
                    continue
                arg = lo + int(rng.random() * (hi - lo))
                day = cal.campaigns[arg].day
            else:
                day = self._day(self._cum_for(kind), p.join + (1 if p.join else 0), p.end)
            plan.append((day, i, kind, arg))
        lo, hi = cal.incident
        if p.fixed and lo <= hi and p.join < lo and p.end > hi and rng.random() < 0.16:
            plan.append((self._day(cal.service, lo, hi), -1, "incident", 0))
        if p.end < cal.last:
            plan.append((p.end, 10**6, "churn", 0))
        plan.sort()
        for day, _, kind, arg in plan:
            self._episode(kind, day, arg)
        for _ in range(20):
            if len(self.out) >= 2:  # everyone leaves at least two traces
                break
            self._episode("app" if p.app_device else "browse", self._day(cal.browse, p.join, p.end), 0)
        self.out.sort()
        return [event for _, _, event in self.out]

    def _cum_for(self, kind: str) -> list[float]:
        cal = self.cal
        if kind in ("browse", "app"):
            return cal.browse
        if kind in ("store", "buy_store"):
            return cal.store
        if kind in ("buy_online", "plan"):
            return cal.online
        return cal.service

    def _episode(self, kind: str, day: int, arg: int) -> None:
        if kind == "browse":
            self._browse(day)
        elif kind == "app":
            self._app(day)
        elif kind == "store":
            self._store_visit(day)
        elif kind == "buy_online":
            self._buy_online(day)
        elif kind == "buy_store":
            self._buy_store(day)
        elif kind == "service":
            self._service(day)
        elif kind == "incident":
            self._service(day, "fatturazione", incident=True)
        elif kind == "question":
            self._question(day)
        elif kind == "plan":
            self._plan_change(day)
        elif kind == "offer":
            c = self.cal.campaigns[arg]
            self._offer(day, c.minute + self.rng.randrange(90), c.name, c.sku, c.discount_percent)
        elif kind == "nps":
            self._relationship_survey(day)
        elif kind == "churn":
            self._service(max(self.p.join, day - self.rng.randrange(3, 20)))
            self._plan_change(day, cease=True)

    # -- journeys ----------------------------------------------------------------------------------

    def _existing_plans(self) -> None:
        p, rng = self.p, self.rng
        business = p.segment == "business"
        if rng.random() < 0.72:
            p.fixed = "BIZ-FIBRA-PRO" if business else rng.choice(("FIBRA-1G", "FIBRA-1G", "FIBRA-2.5G", "FWA-CASA"))
        if p.fixed is None or rng.random() < 0.7:
            p.mobile = (
                "BIZ-MOB-PRO"
                if business
                else rng.choice(("MOB-100GB", "MOB-100GB", "MOB-200GB-5G", "MOB-UNLIMITED", "MOB-JUNIOR"))
            )

    def _acquisition(self, day: int) -> None:
        """A new customer: anonymous research on the site, then a first order online or in a store."""
        p, rng = self.p, self.rng
        for _ in range(rng.randrange(1, 4)):
            page = rng.choice(("/offerte/fibra", "/offerte/mobile", "/copertura", "/negozi", "/"))
            self._emit(
                day - rng.randrange(0, 15),
                self._minute("web"),
                "web_visit",
                "web",
                "sito_web",
                {"device_id": p.web_device},
                {"page": page, "pages": rng.randrange(1, 9), "source": rng.choice(_WEB_SOURCES)},
            )
        self._existing_plans()
        lines = [(_SKU[sku], 1) for sku in (p.fixed, p.mobile) if sku]
        if p.fixed and rng.random() < 0.4:
            lines.append((_SKU["MODEM-X7" if rng.random() < 0.5 else "MODEM-X6"], 1))
        if rng.random() < 0.15:
            lines.append((self._smartphone(day), 1))
        if rng.random() < {"digital": 0.8, "omni": 0.5, "traditional": 0.15}[p.style]:
            ids = {"email": self._email(), "crm_id": p.crm}
            self._purchase(day, self._minute("web"), "web", "sito_web", ids, lines, "acquisto")
        else:
            minute, _ = self._visit(day, p.store, "acquisto")
            ids = {"crm_id": p.crm, "phone": self._phone()}
            if p.loyalty:
                ids["loyalty_id"] = p.loyalty
            minute += rng.randrange(15, 50)
            self._purchase(day, minute, "store", p.store.touchpoint, ids, lines, "acquisto", p.store)
        if p.fixed:
            self._activation(day)
        if p.app_device:
            self._app(day + rng.randrange(1, 6))

    def _smartphone(self, day: int) -> Product:
        autumn = self.cal.dates[min(day, self.cal.last)].month >= 9
        r = self.rng.random()
        if r < (0.45 if autumn else 0.3):
            return _SKU["IPHONE-16-PRO" if r < 0.1 else "IPHONE-16"]
        return _SKU[self.rng.choice(("GALAXY-S25", "GALAXY-A56", "GALAXY-A56", "PIXEL-9", "REDMI-NOTE-14"))]

    def _basket(self, day: int) -> list[tuple[Product, int]]:
        rng = self.rng
        r = rng.random()
        if r < 0.34:
            lines = [(self._smartphone(day), 1)]
            for sku, chance in (("COVER-UNI", 0.45), ("VETRO-TEMP", 0.35), ("CARICA-30W", 0.15)):
                if rng.random() < chance:
                    lines.append((_SKU[sku], 1))
            return lines
        if r < 0.64:
            lines = [(rng.choice(_ACCESSORIES), 1)]
            if rng.random() < 0.25:
                extra = rng.choice(_ACCESSORIES)
                if extra != lines[0][0]:
                    lines.append((extra, rng.randrange(1, 3)))
            return lines
        if r < 0.80:
            return [(_SKU[rng.choice(("MOB-JUNIOR", "MOB-100GB", "MOB-200GB-5G", "TV-PACK-SPORT"))], 1)]
        if r < 0.92:
            return [(_SKU[rng.choice(("MODEM-X7", "MESH-DUO", "MESH-DUO"))], 1)]
        lines = [(_SKU["TV-BOX"], 1)]
        if rng.random() < 0.5:
            lines.append((_SKU["TV-PACK-SPORT"], 1))
        return lines

    def _promo(self, day: int) -> str | None:
        when = self.cal.dates[day]
        gap = (when - _black_friday(when.year)).days
        if -7 <= gap <= 3:
            return "black_friday"
        if when.month == 12 and when.day <= 23:
            return "natale"
        return None

    def _purchase(
        self,
        day: int,
        minute: int,
        channel: str,
        touchpoint: str,
        ids: dict[str, str],
        lines: list[tuple[Product, int]],
        stage: str,
        store: Store | None = None,
    ) -> None:
        p, rng = self.p, self.rng
        self.orders += 1
        order = f"ORD-{self.seed % 1000:03d}-{self.orders:08d}"
        promo = self._promo(min(max(day, 0), self.cal.last))
        off = {"black_friday": 20, "natale": 10}.get(promo or "", 0)
        cents = 0
        units: list[int] = []
        for product, quantity in lines:
            unit = product.cents if product.kind == "plan" else product.cents * (100 - off) // 100
            units.append(unit)
            cents += unit * quantity
        products = [{"sku": pr.sku, "name": pr.name, "quantity": q} for pr, q in lines]
        expensive = cents > 40000
        if store:
            minute = min(minute, _STORE_CLOSES)
            payment = rng.choice(("carta", "carta", "bancomat", "contanti", "rate" if expensive else "satispay"))
            attributes: dict[str, Any] = {"order_id": order, "store": store.name, "city": store.city}
        else:
            payment = rng.choice(("carta", "carta", "paypal", "apple_pay", "rate" if expensive else "paypal"))
            attributes = {"order_id": order}
            if any(pr.kind != "plan" for pr, _ in lines):
                attributes["delivery"] = "corriere" if rng.random() < 0.85 else "ritiro_in_negozio"
        attributes.update(payment=payment, segment=p.segment, journey_stage=stage)
        if p.fixed or p.mobile:
            attributes["plan"] = p.fixed or p.mobile
        if promo and off:
            attributes["promo"] = promo
        if not self._emit(
            day, minute, "purchase", channel, touchpoint, ids, attributes, cents=cents, products=products
        ):
            return
        p.bought.extend(pr.sku for pr, _ in lines)
        returnable = [i for i, (pr, _) in enumerate(lines) if pr.kind != "plan"]
        if returnable and rng.random() < 0.055:
            i = rng.choice(returnable)
            self._return(day, order, lines[i][0], lines[i][1], units[i], store)
        if rng.random() < 0.07:
            # Planted: the retargeting campaign keeps pushing what the customer has just bought.
            product = lines[0][0]
            d = day + rng.randrange(5, 40)
            self._offer(d, 570 + rng.randrange(600), f"retargeting_{product.category}", product.sku, 10)
        if store is None and any(pr.kind == "device" for pr, _ in lines):
            self._delivery(day, lines[0][0].name)
        elif rng.random() < (0.25 if store else 0.12):
            self._survey(
                day,
                "csat" if rng.random() < 0.6 else "nps",
                "post_acquisto",
                "acquisto",
                channel,
                touchpoint,
                (0.6 + store.quality) if store else 0.2,
                "personale",
                "store" if store else "email",
            )

    def _return(self, day: int, order: str, product: Product, quantity: int, unit: int, store: Store | None) -> None:
        p, rng = self.p, self.rng
        d = day + rng.randrange(2, 15)
        reason = rng.choice(_RETURN_REASONS)
        attributes = {"order_id": order, "reason": reason, "refund": "storno_pagamento"}
        line = [{"sku": product.sku, "name": product.name, "quantity": quantity}]
        cents = unit * quantity
        if store or rng.random() < 0.3:
            where = store or p.store
            minute, _ = self._visit(d, where, "reso")
            attributes.update(store=where.name, city=where.city)
            self._emit(
                d,
                min(minute + 5, _STORE_CLOSES),
                "return",
                "store",
                where.touchpoint,
                self._loyalty(),
                attributes,
                cents=cents,
                products=line,
            )
        else:
            ids = {"email": self._email(), "crm_id": p.crm}
            self._emit(d, self._minute("web"), "return", "web", "sito_web", ids, attributes, cents=cents, products=line)
        if product.sku in p.bought:
            p.bought.remove(product.sku)
        if reason in ("difettoso", "danneggiato"):
            p.hurts.append((d, 0.8))

    def _delivery(self, day: int, product: str) -> None:
        p, rng = self.p, self.rng
        peak = self.cal.dates[min(day, self.cal.last)].month in (11, 12)
        late = rng.random() < (0.24 if peak else 0.1)
        arrives = day + rng.randrange(1, 4) + (rng.randrange(4, 11) if late else 0)
        if late:
            p.hurts.append((day + 4, 1.2))
            if rng.random() < 0.55:
                self._service(day + rng.randrange(3, 6), "consegna", product=product)
        if rng.random() < 0.25:
            self._survey(arrives, "csat", "csat_consegna", "acquisto", "web", "consegna", -0.2, "consegna", "email")

    def _activation(self, day: int) -> None:
        p, rng = self.p, self.rng
        late = rng.random() < 0.25
        done = day + rng.randrange(5, 13) + (rng.randrange(10, 30) if late else 0)
        if late:
            p.hurts.append((day + 14, 1.5))
            if rng.random() < 0.7:
                self._service(day + rng.randrange(10, 16), "attivazione")
        if rng.random() < 0.3:
            metric = "nps" if rng.random() < 0.5 else "csat"
            self._survey(
                done + 1,
                metric,
                "nps_attivazione",
                "attivazione",
                "email",
                "attivazione_fibra",
                -0.3,
                "attivazione",
                "email",
            )

    def _browse(self, day: int) -> None:
        rng = self.rng
        for _ in range(1 + (rng.random() < 0.4) + (rng.random() < 0.15)):
            page = rng.choice(_WEB_PAGES)
            attributes = {
                "page": page,
                "pages": rng.randrange(1, 12),
                "duration_seconds": rng.randrange(15, 900),
                "source": rng.choice(_WEB_SOURCES),
            }
            ids = self._web_ids(0.75 if page.startswith("/area-clienti") else 0.2)
            when, minute = day + rng.randrange(0, 3), self._minute("web")
            self._emit(when, minute, "web_visit", "web", "sito_web", ids, attributes)
        if rng.random() < 0.04:
            # A pop-up on the site: "did you find what you were looking for?"
            adj = _TOUCHPOINT_MOOD["sito_web"]
            minute += rng.randrange(1, 15)
            self._survey(
                when, "csat", "feedback_sito", "scoperta", "web", "sito_web", adj, "prezzo", "device", minute=minute
            )

    def _app(self, day: int) -> None:
        p, rng = self.p, self.rng
        device = p.app_device or p.web_device
        for _ in range(1 + (rng.random() < 0.5) + (rng.random() < 0.2)):
            d = day + rng.randrange(0, 4)
            ids = {"device_id": device, "email": self._email()} if rng.random() < 0.92 else {"device_id": device}
            attributes = {
                "screen": rng.choice(_APP_SCREENS),
                "os": p.os,
                "app_version": f"5.{max(d, 0) // 45}.{max(d, 0) % 3}",
                "duration_seconds": rng.randrange(10, 600),
            }
            self._emit(d, self._minute("app"), "app_session", "app", "app_mobile", ids, attributes)

    def _visit(self, day: int, store: Store, purpose: str, reason: str | None = None) -> tuple[int, int]:
        rng = self.rng
        minute = self._minute("store")
        queue = int(rng.expovariate(1 / 8.0))
        attributes: dict[str, Any] = {
            "store": store.name,
            "city": store.city,
            "purpose": purpose,
            "queue_minutes": queue,
        }
        if reason:
            attributes["reason"] = reason
        self._emit(day, minute, "store_visit", "store", store.touchpoint, self._loyalty(), attributes)
        if queue > 25:
            self.p.hurts.append((day, 0.5))
        return minute, queue

    def _store_visit(self, day: int) -> None:
        p, rng = self.p, self.rng
        store = p.store if rng.random() < 0.88 else STORES[_pick(rng, _STORE_CUM)]
        minute, queue = self._visit(day, store, rng.choice(_STORE_PURPOSES[:4]))
        if rng.random() < 0.25:
            lines = [(rng.choice(_ACCESSORIES), 1)]
            self._purchase(
                day, minute + rng.randrange(5, 25), "store", store.touchpoint, self._loyalty(), lines, "uso", store
            )
        elif rng.random() < 0.12:
            adj = 0.6 + store.quality - (1.0 if queue > 20 else 0.0)
            metric = "nps" if rng.random() < 0.5 else "csat"
            self._survey(day, metric, "esperienza_negozio", "uso", "store", store.touchpoint, adj, "personale", "store")

    def _buy_store(self, day: int) -> None:
        p, rng = self.p, self.rng
        store = p.store if rng.random() < 0.9 else STORES[_pick(rng, _STORE_CUM)]
        minute, _ = self._visit(day, store, "acquisto")
        lines = self._basket(day)
        ids = self._loyalty()
        if any(pr.kind == "plan" for pr, _ in lines):
            ids["crm_id"] = p.crm
        self._purchase(day, minute + rng.randrange(10, 45), "store", store.touchpoint, ids, lines, "acquisto", store)

    def _buy_online(self, day: int) -> None:
        p, rng = self.p, self.rng
        for _ in range(rng.randrange(0, 3)):
            ids = self._web_ids(0.3)
            attributes = {"page": rng.choice(_WEB_PAGES[1:6]), "pages": rng.randrange(2, 15), "source": "diretto"}
            self._emit(day - rng.randrange(0, 7), self._minute("web"), "web_visit", "web", "sito_web", ids, attributes)
        in_app = p.app_device is not None and rng.random() < 0.3
        ids = {"email": self._email(), "crm_id": p.crm}
        channel, touchpoint = ("app", "app_mobile") if in_app else ("web", "sito_web")
        self._purchase(
            day, self._minute("app" if in_app else "web"), channel, touchpoint, ids, self._basket(day), "acquisto"
        )

    # -- service -----------------------------------------------------------------------------------

    def _service(self, day: int, reason: str | None = None, *, incident: bool = False, product: str = "") -> None:
        """A problem: a first contact, maybe a formal complaint, a second channel, a survey, an offer."""
        p, rng = self.p, self.rng
        if reason is None:
            reason = REASONS[_pick(rng, _REASON_CUM)]
            if reason == "app" and p.app_device is None:
                reason = "rete"
        how = _CONTACTS[_pick(rng, _CONTACT_CUM[p.style])]
        resolved = rng.random() < (0.35 if incident else 0.6)
        ctx = self._ctx(product, self.cal.incident_month if incident else "")
        ticket = None
        if how in ("web", "social") or rng.random() < (0.7 if incident else 0.45):
            self.tickets += 1
            ticket = ctx["ticket"] = f"TCK-{self.seed % 1000:03d}-{self.tickets:07d}"
        minute, wait = self._contact(day, how, reason, resolved, ctx, incident=incident)
        if ticket:
            self._complaint(day, minute + rng.randrange(2, 50), how, reason, ctx, ticket)
        hurt = 1.0 + (0.0 if resolved else 0.9) + (0.8 if wait > 600 else 0.0) + (0.8 if incident else 0.0)
        if rng.random() < (0.25 if resolved else 0.5):
            # The same request again on another channel a few days later.
            again = rng.choice([c for c in ("call", "chat", "email", "store") if c != how])
            self._contact(
                day + rng.randrange(1, 5), again, reason, rng.random() < 0.5, ctx, ticket=ticket, incident=incident
            )
            hurt += 0.8
        p.hurts.append((day, hurt))
        if rng.random() < 0.3:
            # Planted: the survey lands right after the complaint.
            channel, touchpoint = _CONTACT_PLACE[how] if how != "store" else ("store", p.store.touchpoint)
            metric = ("ces", "ces", "csat", "nps")[rng.randrange(4)]
            adj = _TOUCHPOINT_MOOD.get(touchpoint, 0.0) + (1.2 if resolved else 0.0)
            via = "phone" if how == "call" else "store" if how == "store" else "email"
            self._survey(
                day,
                metric,
                "post_contatto",
                "assistenza",
                channel,
                touchpoint,
                adj,
                reason,
                via,
                minute=minute + rng.randrange(20, 180),
            )
        if ticket and rng.random() < 0.22:
            # Planted: marketing automation does not know a complaint is open.
            sku = rng.choice(("MOB-UNLIMITED", "TV-PACK-SPORT", "FIBRA-2.5G", "MESH-DUO"))
            name = f"cross_sell_{_SKU[sku].category}"
            self._offer(day + rng.randrange(1, 7), 540 + rng.randrange(600), name, sku, 15)

    def _contact(
        self,
        day: int,
        how: str,
        reason: str,
        resolved: bool,
        ctx: dict[str, str],
        *,
        ticket: str | None = None,
        incident: bool = False,
    ) -> tuple[int, int]:
        """One contact about ``reason``; returns its minute and the seconds the customer waited."""
        p, rng = self.p, self.rng
        outcome = "risolto" if resolved else rng.choice(("ticket_aperto", "richiamata", "non_risolto"))
        attributes: dict[str, Any] = {"reason": reason, "outcome": outcome}
        if ticket:
            attributes["ticket_id"] = ticket
        if how == "call":
            minute = self._minute("contact")
            wait = min(3600, int(math.exp(rng.gauss(7.0 if incident else 4.7, 0.6))))
            attributes.update(wait_seconds=wait, duration_seconds=rng.randrange(90, 1500), plan=p.fixed or p.mobile)
            if rng.random() < 0.55:
                text = texts.agent_note(rng, reason, ctx, resolved=resolved)
            else:
                topic = "personale" if wait > 900 else reason
                text = texts.customer_text(rng, p.english, topic, "neg", ctx, spoken=True)
            self._emit(
                day, minute, "call", "contact_center", "call_center", {"phone": self._phone()}, attributes, text=text
            )
            return minute, wait
        if how == "chat":
            minute = self._minute("chat")
            ids = {"email": self._email()} if rng.random() < 0.75 else {"device_id": p.web_device}
            attributes.update(duration_seconds=rng.randrange(60, 1800), bot_handoff=rng.random() < 0.6)
            text = texts.customer_text(rng, p.english, reason, "neg", ctx)
            self._emit(day, minute, "chat", "chat", "chat_assistenza", ids, attributes, text=text)
            return minute, 0
        if how == "email":
            minute = self._minute("inbox")
            attributes["subject"] = f"Segnalazione {reason}" if not p.english else f"Issue: {reason}"
            text = texts.customer_text(rng, p.english, reason, "neg", ctx, long=True)
            self._emit(
                day, minute, "email", "email", "email_assistenza", {"email": self._email()}, attributes, text=text
            )
            return minute, 0
        if how == "store":
            minute, queue = self._visit(day, p.store, "assistenza", reason)
            return minute, queue * 60
        return self._minute("web"), 0  # web forms and social posts are complaints only

    def _complaint(self, day: int, minute: int, how: str, reason: str, ctx: dict[str, str], ticket: str) -> None:
        """The formal complaint (a ticket) about the experience that failed."""
        p, rng = self.p, self.rng
        channel = _CONTACT_PLACE[how][0]
        ids = {"phone": self._phone()} if how in ("call", "store") else {"email": self._email()}
        touchpoint = p.store.touchpoint if reason == "personale" and how == "store" else _FAULT[reason]
        attributes: dict[str, Any] = {"reason": reason, "ticket_id": ticket, "status": "aperto"}
        attributes["severity"] = "alta" if rng.random() < 0.25 else "media"
        if how == "social":
            attributes["platform"] = rng.choice(("facebook", "instagram", "x"))
        tone = "mixed" if rng.random() < 0.12 else "neg"
        text = texts.customer_text(rng, p.english, reason, tone, ctx, long=how == "web")
        self._emit(day, minute, "complaint", channel, touchpoint, ids, attributes, text=text)

    def _question(self, day: int) -> None:
        p, rng = self.p, self.rng
        how = rng.choice(
            ("call", "call", "chat", "email", "social") if p.style != "traditional" else ("call",) * 4 + ("email",)
        )
        ctx = self._ctx(rng.choice(_GOODS).name)
        attributes: dict[str, Any] = {"reason": "informazioni", "outcome": "risolto"}
        if how == "call":
            minute = self._minute("contact")
            attributes.update(
                wait_seconds=min(3600, int(math.exp(rng.gauss(4.5, 0.6)))), duration_seconds=rng.randrange(60, 600)
            )
            text = texts.agent_note(rng, "info", ctx, resolved=True)
            self._emit(
                day, minute, "call", "contact_center", "call_center", {"phone": self._phone()}, attributes, text=text
            )
        elif how == "email":
            minute = self._minute("inbox")
            text = texts.question_text(rng, p.english, ctx)
            self._emit(
                day, minute, "email", "email", "email_assistenza", {"email": self._email()}, attributes, text=text
            )
        else:
            minute = self._minute("chat")
            channel, touchpoint = (
                ("chat", "chat_assistenza")
                if how == "chat"
                else ("social", rng.choice(("social_facebook", "social_instagram")))
            )
            ids = {"email": self._email()} if how == "chat" or rng.random() < 0.5 else {"phone": self._phone()}
            self._emit(
                day, minute, "chat", channel, touchpoint, ids, attributes, text=texts.question_text(rng, p.english, ctx)
            )
        if rng.random() < 0.15:
            place = _CONTACT_PLACE[how] if how != "social" else ("chat", "chat_assistenza")
            self._survey(
                day,
                "ces",
                "post_contatto",
                "assistenza",
                place[0],
                place[1],
                0.5,
                "attesa",
                "phone" if how == "call" else "email",
                minute=minute + 30,
            )

    def _plan_change(self, day: int, *, cease: bool = False) -> None:
        p, rng = self.p, self.rng
        old = p.fixed or p.mobile
        if cease:
            change, new = "cessazione", None
        elif p.mobile in ("MOB-100GB", "MOB-JUNIOR"):
            change, new = "upgrade", rng.choice(("MOB-200GB-5G", "MOB-UNLIMITED"))
            old, p.mobile = p.mobile, new
        elif p.fixed == "FIBRA-1G" or p.fixed == "FWA-CASA":
            change, new = "upgrade", "FIBRA-2.5G"
            old, p.fixed = p.fixed, new
        elif p.fixed and "TV-PACK-SPORT" not in p.bought:
            change, new = "aggiunta", "TV-PACK-SPORT"
            p.bought.append(new)
        else:
            change, new = "downgrade", "MOB-100GB" if p.segment == "consumer" else "BIZ-MOB-PRO"
            old, p.mobile = p.mobile, new
        how = (
            "contact_center"
            if cease or p.style == "traditional"
            else rng.choice(("web", "app", "contact_center", "store"))
        )
        ids = {"crm_id": p.crm if rng.random() < 0.95 else p.crm.lower()}
        if how == "app" and p.app_device:
            ids.update(device_id=p.app_device, email=self._email())
            minute, touchpoint = self._minute("app"), "app_mobile"
        elif how in ("web", "app"):
            how, touchpoint, minute = "web", "sito_web", self._minute("web")
            ids["email"] = self._email()
        elif how == "store":
            minute, _ = self._visit(day, p.store, "cambio_offerta")
            minute, touchpoint = min(minute + 10, _STORE_CLOSES), p.store.touchpoint
            ids.update(self._loyalty())
        else:
            minute, touchpoint = self._minute("contact"), "call_center"
            ids["phone"] = self._phone()
        attributes: dict[str, Any] = {"change": change, "from_plan": old, "segment": p.segment}
        if new:
            attributes.update(to_plan=new, plan=new)
        text = None
        if cease:
            reason = rng.choice(("fatturazione", "rete", "personale"))
            attributes["reason"] = rng.choice(("prezzo", "rete", "trasloco", "concorrenza", "assistenza"))
            text = texts.customer_text(rng, p.english, reason, "neg", self._ctx())
        products = [{"sku": new, "name": _SKU[new].name, "quantity": 1}] if new else None
        self._emit(day, minute, "plan_change", how, touchpoint, ids, attributes, text=text, products=products)

    # -- marketing and surveys ---------------------------------------------------------------------

    def _offer(self, day: int, minute: int, campaign: str, sku: str, discount: int) -> None:
        p, rng = self.p, self.rng
        if p.app_device and rng.random() < 0.25:
            channel, touchpoint, ids = "app", "app_notifiche", {"device_id": p.app_device}
        else:
            channel, touchpoint, ids = "email", "email_marketing", {"email": self._email()}
        product = _SKU[sku]
        attributes = {"campaign": campaign, "sku": sku, "product": product.name, "discount_percent": discount}
        if self._emit(day, minute, "offer", channel, touchpoint, ids, attributes) and rng.random() < 0.08:
            visit = {
                "page": f"/offerte/{product.category}",
                "pages": rng.randrange(1, 6),
                "source": "email",
                "utm_campaign": campaign,
            }
            self._emit(day, minute + rng.randrange(1, 240), "web_visit", "web", "sito_web", self._web_ids(0.5), visit)

    def _relationship_survey(self, day: int) -> None:
        rng = self.rng
        stage = "rinnovo" if rng.random() < 0.2 else "uso"
        reason = rng.choice(REASONS)
        self._survey(day, "nps", "nps_relazionale", stage, "email", "relazione_cliente", 0.0, reason, "email")

    def _latent(self, day: int, adj: float) -> float:
        """How the customer feels on ``day``, 0..10ish: temper, the touchpoint, recent bad experiences."""
        p = self.p
        hurt = 0.0
        for when, size in p.hurts:
            if when <= day:
                hurt += size * math.exp((when - day) / 45.0)
        lo, hi = self.cal.incident
        if p.fixed and lo <= day <= hi + 25:
            hurt += 1.6  # the billing incident
        return 8.35 + p.mood + adj - hurt + self.rng.gauss(0.0, 1.2)

    def _survey(
        self,
        day: int,
        metric: str,
        survey: str,
        stage: str,
        channel: str,
        touchpoint: str,
        adj: float,
        reason: str,
        via: str,
        *,
        minute: int | None = None,
    ) -> None:
        p, rng = self.p, self.rng
        if minute is None:
            day += rng.random() < 0.4
            minute = self._minute("inbox")
        q = self._latent(day, adj)
        if metric == "nps":
            score = min(10, max(0, round(q)))
            tone = "pos" if score >= 9 else "mixed" if score >= 7 else "neg"
        elif metric == "csat":
            score = min(5, max(1, round(1 + (q - 1) * 0.47)))
            tone = "pos" if score >= 4 else "mixed" if score == 3 else "neg"
        else:
            score = min(7, max(1, round(1 + (q - 1) * 0.68)))
            tone = "pos" if score >= 6 else "mixed" if score >= 4 else "neg"
        if via == "phone":
            ids = {"phone": self._phone()}
        elif via == "store":
            ids = self._loyalty() if rng.random() < 0.6 else {"email": self._email()}
        elif via == "device":
            ids = {"device_id": p.web_device}
        else:
            ids = {"email": self._email()}
        attributes = {"metric": metric, "survey": survey, "journey_stage": stage, "scale": _SCALE[metric]}
        text = texts.survey_comment(rng, p.english, reason, tone, self._ctx()) if rng.random() < 0.45 else None
        self._emit(day, minute, "survey_response", channel, touchpoint, ids, attributes, text=text, score=float(score))


_REASON_CUM = list(accumulate((26.0, 4.0, 24.0, 6.0, 12.0, 8.0)))  # in REASONS order
_CONTACTS = ("call", "chat", "email", "store", "web", "social")
_CONTACT_CUM = {
    "digital": list(accumulate((0.25, 0.40, 0.15, 0.0, 0.10, 0.10))),
    "omni": list(accumulate((0.45, 0.25, 0.10, 0.10, 0.05, 0.05))),
    "traditional": list(accumulate((0.62, 0.08, 0.10, 0.20, 0.0, 0.0))),
}
_CONTACT_PLACE = {
    "call": ("contact_center", "call_center"),
    "chat": ("chat", "chat_assistenza"),
    "email": ("email", "email_assistenza"),
    "store": ("store", "negozio"),
    "web": ("web", "sito_web"),
    "social": ("social", "social_facebook"),
}


# --- public API ----------------------------------------------------------------------------------


def generate_events(customers: int, seed: int, as_of: date, *, months: int = 18) -> Iterator[Event]:
    """Yield the demo brand's raw events, customer by customer; the same arguments give the same stream.

    ``customers`` people over the ``months`` months ending on ``as_of`` (nothing after 18:00 UTC
    that day), about 11 events each. Event ids are ``demo-{seed}-{n:09d}``.
    """
    if customers < 0:
        raise ValueError("customers must be >= 0")
    if months < 1:
        raise ValueError("months must be >= 1")
    if isinstance(as_of, datetime):
        as_of = as_of.date()
    return _stream(customers, seed, as_of, months)


def _stream(customers: int, seed: int, as_of: date, months: int) -> Iterator[Event]:
    brand = _Brand(customers, seed, _Calendar(as_of, months))
    n = 0
    for idx in range(customers):
        for event in brand.customer(idx):
            event["event_id"] = f"demo-{seed}-{n:09d}"
            n += 1
            yield event


def generate_invalid_events(seed: int, as_of: date) -> list[Event]:
    """Five deliberately broken records, so the demo shows the dead-letter store at work.

    Each has exactly one problem: a naive timestamp, no identifiers, an unparsable phone number, an
    unknown field, a score of 42000. They happen the day before ``as_of``.
    """
    if isinstance(as_of, datetime):
        as_of = as_of.date()
    day = (as_of - timedelta(days=1)).isoformat()

    def base(i: int) -> Event:
        return {
            "event_id": f"demo-{seed}-bad-{i}",
            "occurred_at": f"{day}T09:30:00+01:00",
            "type": "web_visit",
            "channel": "web",
            "touchpoint": "sito_web",
            "identifiers": {"device_id": f"bad-device-{seed}-{i}"},
        }

    naive = base(0) | {"occurred_at": f"{day}T09:30:00"}
    anonymous = base(1) | {"type": "call", "channel": "contact_center", "touchpoint": "call_center", "identifiers": {}}
    bad_phone = base(2) | {"type": "call", "channel": "contact_center", "touchpoint": "call_center"}
    bad_phone["identifiers"] = {"phone": "non disponibile"}  # what an agent typed in the phone field
    unknown = base(3) | {"customer_name": "Mario Rossi"}
    survey = base(4) | {"type": "survey_response", "channel": "email", "touchpoint": "relazione_cliente"}
    survey.update(score=42000, attributes={"metric": "nps", "survey": "nps_relazionale"})
    return [naive, anonymous, bad_phone, unknown, survey]
