"""What a reminder may say: a linter for courteous wording, and SMS length in segments.

Pure standard library, so it can run anywhere a message is written or checked (policy validation,
the renderer, tests).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from msgspec import Struct

from .offers import NOTHING, Offers

LANGUAGES = ("en", "es", "fr", "de")


class _Rule(Struct, frozen=True):
    problem: str
    why: str
    patterns: dict[str, tuple[str, ...]]  # language -> regular expressions, matched as whole words


# fmt: off
# Threats of harm, arrest, seizure, lawsuits or "blacklisting". FDCPA 15 U.S.C. 1692d (harassment or
# abuse), 1692e(4) (non-payment will result in arrest, imprisonment, seizure or garnishment), 1692e(5)
# (threatening action not intended or not lawful), 1692e(7) (implying a crime); UK FCA CONC 7.9.
THREATS = _Rule(
    problem="threatening language",
    why="FDCPA 15 U.S.C. 1692d, 1692e(4), (5), (7); FCA CONC 7.9",
    patterns={
        "en": (
            r"legal action", r"legal proceedings", r"su(?:e|ed|es|ing)", r"lawsuits?", r"courts?",
            r"bailiffs?", r"enforcement agents?", r"debt enforcement", r"arrest(?:ed|s)?", r"police",
            r"criminal", r"prosecut\w*", r"jail", r"prison", r"imprison\w*", r"garnish\w*",
            r"seiz(?:e|ed|es|ing|ure)", r"repossess\w*", r"blacklist\w*", r"black list",
            r"final warning", r"last warning", r"last chance", r"or else", r"ruin\w*",
            r"destroy your credit", r"tell your employer", r"contact your employer",
        ),
        "es": (
            r"acci[oó]n(?:es)? legal(?:es)?", r"acci[oó]n(?:es)? judicial(?:es)?", r"medidas legales",
            r"demandar\w*", r"demanda judicial", r"tribunal(?:es)?", r"juzgados?", r"juicio",
            r"(?<!sin )embargos?", r"embargar\w*", r"c[aá]rcel", r"prisi[oó]n", r"arrestos?",
            r"detenci[oó]n", r"polic[ií]a", r"delitos?", r"denuncia penal", r"penal(?:mente)?",
            r"lista negra", r"(?:fichero|lista|registro) de morosos", r"asnef",
            r"[uú]ltimo aviso", r"[uú]ltima advertencia", r"o si no", r"arruinar\w*",
        ),
        "fr": (
            r"poursuites(?: judiciaires)?", r"poursuivre en justice", r"action en justice",
            r"proc[eé]dure judiciaire", r"tribunal", r"tribunaux", r"huissiers?",
            r"commissaires? de justice", r"saisies?(?:-attribution)?", r"prison", r"arrestation",
            r"police", r"gendarmerie", r"p[eé]nal(?:e|es|ement)?", r"porter plainte", r"fichage",
            r"liste noire", r"dernier avertissement", r"ruiner\w*",
        ),
        "de": (
            r"rechtliche schritte", r"gerichtliche schritte", r"verklag\w*", r"klage", r"gericht\w*",
            r"\w*vollstreck\w*", r"\w*pfänd\w*", r"haft", r"gefängnis", r"verhaft\w*", r"festnahme",
            r"polizei", r"strafanzeige", r"strafrechtlich\w*", r"schufa\w*", r"schwarze liste",
            r"letzte warnung", r"ruinier\w*",
        ),
    },
)

# Wording that pretends to be a court, the government or a lawyer. FDCPA 15 U.S.C. 1692e(1) (government
# affiliation), 1692e(3) (attorney), 1692e(9) and (13) (documents simulating legal process); FCA CONC 7.9.
FAKE_LEGAL = _Rule(
    problem="fake legal or official wording",
    why="FDCPA 15 U.S.C. 1692e(1), (3), (9), (13); FCA CONC 7.9",
    patterns={
        "en": (
            r"official notice", r"legal notice", r"court order", r"summons", r"subpoena", r"government",
            r"law enforcement", r"warrants?", r"statutory demand", r"lawyers?", r"attorneys?",
        ),
        "es": (
            r"notificaci[oó]n oficial", r"aviso oficial", r"orden judicial", r"citaci[oó]n",
            r"requerimiento judicial", r"gobierno", r"fuerzas del orden", r"orden de (?:arresto|detenci[oó]n)",
            r"abogados?",
        ),
        "fr": (
            r"avis officiel", r"notification officielle", r"mise en demeure", r"ordonnance",
            r"d[eé]cision de justice", r"citation [aà] compara[iî]tre", r"convocation", r"gouvernement",
            r"forces de l['’]ordre", r"mandat d['’]arr[eê]t", r"injonction de payer", r"avocats?",
        ),
        "de": (
            r"amtliche mitteilung", r"offizielle mitteilung", r"gerichtsbeschluss", r"vorladung",
            r"regierung", r"behörde\w*", r"haftbefehl", r"mahnbescheid", r"anwalt\w*", r"rechtsanwalt\w*",
        ),
    },
)

# Offers the account cannot take up. Telling a debtor they can spread the payment when the policy allows no
# plan, or settle for less when no offer stands, is a false or misleading representation: FDCPA 15 U.S.C.
# 1692e(10); UK FCA CONC 2.2 (general principles: clear, fair, not misleading) and CONC 7.3 (the forbearance a
# customer in arrears is told of must really be open to them). These words are only allowed with `can=`.
PLAN_OFFER = _Rule(
    problem="offers a payment plan the account cannot take",
    why="FDCPA 15 U.S.C. 1692e(10); FCA CONC 2.2, CONC 7.3",
    patterns={
        "en": (
            r"(?:payment|repayment|instal?ment) plans?", r"instal?ments?", r"spread(?:s|ing)?(?: \w+){0,3} over",
            r"spread(?:s|ing)? (?:it|this|that|them|the \w+|your \w+)", r"(?:smaller|several|a few) payments",
            r"pay(?:ing)? (?:it )?in (?:parts|stages|instal?ments)", r"split(?:ting)? (?:it|the \w+|your \w+)",
        ),
        "es": (
            r"plan(?:es)? de pagos?", r"pagos? (?:a|en) plazos", r"plazos?", r"cuotas?", r"fraccion\w*",
            r"repart\w+", r"varios pagos", r"pagos más pequeños",
        ),
        "fr": (
            r"plans? de paiement", r"[ée]ch[ée]anciers?", r"[ée]chelonn\w*", r"[ée]tal\w+",
            r"mensualit[ée]s?", r"en plusieurs (?:fois|versements|paiements|[ée]ch[ée]ances)",
            r"plusieurs [ée]ch[ée]ances", r"plusieurs paiements",
        ),
        "de": (
            r"\w*ratenplan\w*", r"\w*ratenzahlung\w*", r"raten", r"rate", r"zahlungsplan\w*", r"teilzahlung\w*",
            r"teilbetr[äa]g\w*", r"mehrere zahlungen", r"kleinere zahlungen", r"aufteil\w*", r"verteil\w*",
        ),
    },
)

SETTLEMENT_OFFER = _Rule(
    problem="offers a settlement the account has not been offered",
    why="FDCPA 15 U.S.C. 1692e(10); FCA CONC 2.2, CONC 7.3",
    patterns={
        "en": (
            r"settle(?:s|d|ment)? for less", r"settlement offers?", r"reduced (?:amount|balance|sum|payment)",
            r"discount\w*", r"(?:consider|treat)(?: \w+){1,3} (?:as )?settled", r"pay less", r"forgiv\w*",
            r"write[- ]off", r"written off",
        ),
        "es": (
            r"importe reducido", r"cantidad reducida", r"descuentos?", r"quitas?", r"pagar menos",
            r"por (?:saldad[ao]|liquidad[ao])", r"acuerdo de liquidaci[oó]n", r"ofertas? de liquidaci[oó]n",
        ),
        "fr": (
            r"montant r[ée]duit", r"somme r[ée]duite", r"remises?", r"r[ée]ductions?", r"payer moins",
            r"comme (?:r[ée]gl[ée]e?|sold[ée]e?)", r"r[èe]glement transactionnel", r"offres? de r[èe]glement",
        ),
        "de": (
            r"reduziert\w* betrag", r"ermäßigt\w* betrag", r"nachlass", r"rabatt\w*", r"weniger zahlen",
            r"als (?:beglichen|erledigt)", r"vergleichsangebot\w*", r"abfindung\w*", r"erlass\w*",
        ),
    },
)

# Every electronic message must say how to stop them: Reg F 12 CFR 1006.6(e) (opt-out notice in
# email and text), CAN-SPAM 15 U.S.C. 7704(a)(3), UK PECR reg. 22.
UNSUBSCRIBE_WORDS: dict[str, tuple[str, ...]] = {
    "en": (r"unsubscribe\w*", r"opt[- ]out"),
    "es": (r"dar(?:se|te)? de baja", r"d[eé](?:se|te) de baja", r"cancelar (?:la )?suscripci[oó]n"),
    "fr": (r"d[eé]sabonn\w*", r"d[eé]sinscri\w*"),
    "de": (r"abmelde\w*", r"abmeldung", r"abbestell\w*"),
}
# fmt: on
OPT_OUT_WHY = "Reg F 12 CFR 1006.6(e); CAN-SPAM 15 U.S.C. 7704(a)(3)"

# English words that are innocent in another language ("court" is "short" in French, "seize" is 16).
_FALSE_FRIENDS = {"fr": {"court", "courts", "seize"}}


def _language(locale: str) -> str:
    lang = re.split(r"[-_]", locale or "en", maxsplit=1)[0].lower()
    return lang if lang in LANGUAGES else "en"


@lru_cache(maxsize=64)
def _whole_words(patterns: tuple[str, ...], ignore_case: bool = True) -> re.Pattern[str]:
    flags = re.IGNORECASE if ignore_case else 0
    return re.compile(r"(?<!\w)(?:" + "|".join(patterns) + r")(?!\w)", flags)


def _find(rule: _Rule, text: str, lang: str) -> list[str]:
    found: dict[str, None] = {}
    for source in dict.fromkeys(("en", lang)):
        for match in _whole_words(rule.patterns[source]).finditer(text):
            word = match.group(0).lower()
            if source != lang and word in _FALSE_FRIENDS.get(lang, ()):
                continue
            found[word] = None
    return [f"{rule.problem}: {word!r} ({rule.why})" for word in found]


def lint_message(text: str, channel: str, locale: str = "en", can: Offers = NOTHING) -> list[str]:
    """Problems with a message's wording, in plain words; an empty list means it may be sent.

    English rules apply to every message; the rules of the locale's language (es, fr, de) are added.
    `can` is what the account can actually take up (see domain.offers): plan or settlement wording is a
    problem unless it says so, and by default it says nothing is on offer.
    """
    if channel not in ("email", "sms"):
        raise ValueError(f"unknown channel {channel!r}")
    lang = _language(locale)
    flat = " ".join(text.split())
    problems = _find(THREATS, flat, lang) + _find(FAKE_LEGAL, flat, lang)
    if not can.plan:
        problems += _find(PLAN_OFFER, flat, lang)
    if not can.settlement:
        problems += _find(SETTLEMENT_OFFER, flat, lang)
    if channel == "sms":
        # Carriers act on the keyword itself, so it must be there in capitals, in every language.
        if not _whole_words(("STOP",), ignore_case=False).search(flat):
            problems.append(f"missing opt-out line: an SMS must say to reply STOP ({OPT_OUT_WHY})")
    elif not _whole_words(UNSUBSCRIBE_WORDS["en"] + UNSUBSCRIBE_WORDS[lang]).search(flat):
        problems.append(f"missing opt-out line: an email must carry an unsubscribe line ({OPT_OUT_WHY})")
    return problems


# GSM 03.38: the 7-bit default alphabet, and its extension table (each costs an escape plus the char).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
_GSM7_SINGLE, _GSM7_MULTI = 160, 153  # septets in a lone segment / in each part of a long message
_UCS2_SINGLE, _UCS2_MULTI = 70, 67  # UTF-16 code units, likewise


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def _pack(costs: list[int], single: int, multi: int) -> int:
    if sum(costs) <= single:
        return 1
    # An escape pair or a surrogate pair never straddles two segments, so pack greedily.
    segments, used = 1, 0
    for cost in costs:
        if used + cost > multi:
            segments, used = segments + 1, 0
        used += cost
    return segments


def sms_segments(text: str) -> int:
    """How many SMS segments `text` takes: GSM-7 when every character allows it, otherwise UCS-2."""
    if is_gsm7(text):
        return _pack([2 if ch in GSM7_EXTENSION else 1 for ch in text], _GSM7_SINGLE, _GSM7_MULTI)
    return _pack([2 if ord(ch) > 0xFFFF else 1 for ch in text], _UCS2_SINGLE, _UCS2_MULTI)


# fmt: off
_PUNCTUATION = str.maketrans(
    {"‘": "'", "’": "'", "‚": "'", "′": "'", "“": '"', "”": '"', "„": '"', "″": '"',
     "–": "-", "—": "-", "−": "-", "…": "...", "«": '"', "»": '"'}
)
# fmt: on


def gsm7_fold(text: str) -> str:
    """Replace characters outside GSM-7 by their closest GSM-7 spelling where one exists (á→a, ’→').

    One stray accent would otherwise switch a whole SMS to UCS-2 and more than halve its length.
    Characters with no close spelling (a name in another script) are kept as they are.
    """
    out = []
    for ch in text.translate(_PUNCTUATION):
        if ch in GSM7_BASIC or ch in GSM7_EXTENSION:
            out.append(ch)
        elif ch.isspace():
            out.append(" ")
        else:
            base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
            out.append(base if base and is_gsm7(base) else ch)
    return "".join(out)
