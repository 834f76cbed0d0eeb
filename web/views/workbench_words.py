"""What the workbench says, in the interface's language: a bundle's warnings naming the films
at fault, its history in words, why no replacement fits, and what keeps films unplaced.

The use cases (`web.usecases.bundles`) say which rule, which films, which edit; the words are
chosen here, with gettext, so the English comes from the .po like every other string.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from flask import current_app, url_for
from flask_babel import format_datetime, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from catalog.models import Film
from curation import rules as core
from curation.vocabulary import audience_name
from web.display import current_language, language_name, region_label
from web.usecases.bundles import (
    FIXED_SINCE,
    NO_SYNOPSIS,
    TOO_LONG_HERE,
    TOO_SHORT,
    BundleView,
    HistoryEntry,
    Problem,
    Replacements,
)
from web.views.common import format_duration


def quoted(titles: Sequence[str]) -> str:
    """« A », « B » et « C » (or "A", "B" and "C")."""
    marks = [_("« %(t)s »", t=t) for t in titles]
    if len(marks) <= 1:
        return "".join(marks)
    return _("%(list)s et %(last)s", list=", ".join(marks[:-1]), last=marks[-1])


def neither(items: Sequence[str]) -> str:
    """ "A, B ni C" after a negation (English: "A, B or C")."""
    if len(items) <= 1:
        return "".join(items)
    return _("%(list)s ni %(last)s", list=", ".join(items[:-1]), last=items[-1])


def french_count(n: int) -> int:
    """The count that picks a plural form: French (the interface's own language, which has no
    catalog, so gettext's English rule applies) says "0 film", English "0 films"."""
    return 1 if n == 0 and current_language() == "fr" else n


def minutes(seconds: int) -> int:
    """Whole minutes, rounded up: 30 s over a window is "1 min" over, never "0 min"."""
    return max(1, -(-int(seconds) // 60))


def runtime_words(view: BundleView) -> str:
    """The runtime gauge in words: within the window, or by how much it falls out of it."""
    low, high = view.window
    if view.runtime_state == "over":
        return _(
            "dépasse la case de %(n)s min (fenêtre %(low)s–%(high)s)",
            n=minutes(view.runtime_gap),
            low=format_duration(low),
            high=format_duration(high),
        )
    if view.runtime_state == "under":
        return _(
            "il manque %(n)s min pour remplir la case (fenêtre %(low)s–%(high)s)",
            n=minutes(view.runtime_gap),
            low=format_duration(low),
            high=format_duration(high),
        )
    return _(
        "dans la fenêtre %(low)s–%(high)s", low=format_duration(low), high=format_duration(high)
    )


def _audience(film: Film) -> str:
    code = film.audience.value if film.audience else None
    return audience_name(code, current_language()) or _("public non précisé")


def _languages(film: Film, view: BundleView) -> str:
    """The languages the bundle's language rule counts: declared, and from attached versions."""
    lang = current_language()
    codes = view.languages.get(film.id or 0) or [*film.original_languages, *film.subtitle_languages]
    return ", ".join(dict.fromkeys(language_name(c, lang) for c in codes)) or _(
        "langue non précisée"
    )


def warning_words(view: BundleView, problem: Problem) -> str:
    """One warning, naming the films at fault by title."""
    films = {f.id: f for f in view.films}
    named = [films[i] for i in problem.film_ids if i in films]
    titles = [f.display_title for f in named]
    rule = problem.rule
    if rule == core.DUPLICATE:
        return _("%(films)s figure deux fois.", films=quoted(titles))
    if rule == core.NO_RUNTIME:
        return ngettext(
            "Sans durée, %(films)s ne peut pas entrer dans la case : complétez sa fiche.",
            "Sans durée, %(films)s ne peuvent pas entrer dans la case : complétez leurs fiches.",
            len(titles),
            films=quoted(titles),
        )
    if rule == core.RUNTIME_WINDOW:
        said = _(
            "Durée %(runtime)s : %(words)s.",
            runtime=format_duration(view.used),
            words=runtime_words(view),
        )
        if view.runtime_state == "over" and named:
            longest = max(named, key=lambda f: f.runtime_seconds or 0)
            said += " " + _(
                "Le plus long : %(film)s (%(runtime)s).",
                film=quoted([longest.display_title]),
                runtime=format_duration(longest.runtime_seconds),
            )
        return said
    if rule == core.FILM_COUNT:
        return _(
            "%(n)s films : une anthologie en compte de %(low)s à %(high)s.",
            n=len(view.films),
            low=view.rules.min_films,
            high=view.rules.max_films,
        )
    if rule == core.REGIONAL_FLOOR:
        outside = [
            _(
                "%(film)s (%(region)s)",
                film=quoted([f.display_title]),
                region=region_label(f.region_code),
            )
            for f in named
        ]
        n = view.regional.films
        counted = ngettext(
            "%(n)s film sur %(total)s",
            "%(n)s films sur %(total)s",
            french_count(n),
            n=n,
            total=view.regional.total_films,
        )
        return _(
            "%(share)s %% de la durée (%(counted)s) vient des %(scope)s ; il en faut au moins "
            "%(floor)s %%. Ne comptent pas : %(films)s.",
            counted=counted,
            share=round(100 * view.regional_share),
            scope=view.regional_scope(current_language()),
            floor=round(100 * view.floor),
            films=", ".join(outside),
        )
    if rule == core.MIN_REGIONS:
        known = {f.region_code for f in view.films if f.region_code}
        return _(
            "Films de %(n)s régions connues ; il en faut au moins %(min)s.",
            n=len(known),
            min=view.rules.min_regions,
        )
    if rule == core.DIRECTOR:
        shared = set.intersection(*(set(f.directors) for f in named)) if named else set()
        return _(
            "%(director)s a réalisé %(films)s : un seul de ses films par anthologie.",
            director=", ".join(sorted(shared)) or _("Un même cinéaste"),
            films=quoted(titles),
        )
    if rule == core.AUDIENCE:

        def with_audience(film: Film) -> str:
            return _(
                "%(film)s (%(audience)s)",
                film=quoted([film.display_title]),
                audience=_audience(film),
            )

        culprit = films.get(problem.culprit or -1)
        if culprit is not None:
            return _(
                "Publics incompatibles : %(film)s ne va pas avec %(others)s.",
                film=with_audience(culprit),
                others=neither([with_audience(f) for f in named if f is not culprit]),
            )
        return _(
            "Publics incompatibles : %(films)s.",
            films=", ".join(with_audience(f) for f in named),
        )
    if rule == core.LANGUAGE:
        return _(
            "Aucune langue commune (version originale ou sous-titres) : %(films)s.",
            films=", ".join(
                _(
                    "%(film)s (%(languages)s)",
                    film=quoted([f.display_title]),
                    languages=_languages(f, view),
                )
                for f in named
            ),
        )
    if rule == core.AGE_BAND:
        return _(
            "Aucune tranche d'âge (3–5, 6–8, 9–12, 13–17 ans) ne réunit tous les films : "
            "%(films)s.",
            films=", ".join(
                _("%(film)s (%(ages)s)", film=quoted([f.display_title]), ages=age_words(f))
                for f in named
            ),
        )
    return _("Une règle n'est pas respectée : %(films)s.", films=quoted(titles))


def age_words(film: Film) -> str:
    """ "6–8 ans", "9 ans et plus", "âges non précisés"."""
    low, high = film.audience_age_min, film.audience_age_max
    if low is None and high is None:
        return _("âges non précisés")
    if high is None:
        return _("%(low)s ans et plus", low=low)
    if low is None:
        return _("jusqu'à %(high)s ans", high=high)
    return _("%(low)s–%(high)s ans", low=low, high=high)


def warnings(view: BundleView) -> list[str]:
    """The bundle's warnings, each said once."""
    return list(dict.fromkeys(warning_words(view, p) for p in view.problems))


# -- replacements ----------------------------------------------------------------------------

REFUSALS: dict[str, Callable[[int], str]] = {
    core.NO_RUNTIME: lambda n: ngettext("%(num)s sans durée", "%(num)s sans durée", n),
    TOO_LONG_HERE: lambda n: ngettext("%(num)s trop long", "%(num)s trop longs", n),
    TOO_SHORT: lambda n: ngettext("%(num)s trop court", "%(num)s trop courts", n),
    core.REGIONAL_FLOOR: lambda n: ngettext(
        "%(num)s ferait passer la part des régions sous le plancher",
        "%(num)s feraient passer la part des régions sous le plancher",
        n,
    ),
    core.DIRECTOR: lambda n: ngettext(
        "%(num)s d'un cinéaste déjà présent", "%(num)s d'un cinéaste déjà présent", n
    ),
    core.AUDIENCE: lambda n: ngettext(
        "%(num)s d'un public incompatible", "%(num)s d'un public incompatible", n
    ),
    core.LANGUAGE: lambda n: ngettext(
        "%(num)s sans langue commune", "%(num)s sans langue commune", n
    ),
    core.MIN_REGIONS: lambda n: ngettext(
        "%(num)s laisserait trop peu de régions", "%(num)s laisseraient trop peu de régions", n
    ),
    core.FILM_COUNT: lambda n: ngettext(
        "%(num)s hors du nombre de films permis", "%(num)s hors du nombre de films permis", n
    ),
    core.DUPLICATE: lambda n: ngettext("%(num)s en double", "%(num)s en double", n),
    core.AGE_BAND: lambda n: ngettext(
        "%(num)s hors de la tranche d'âge", "%(num)s hors de la tranche d'âge", n
    ),
}


BROKEN = {
    core.REGIONAL_FLOOR: _l("la part des régions passerait sous le plancher"),
    core.DIRECTOR: _l("son cinéaste est déjà dans l'anthologie"),
    core.AUDIENCE: _l("son public ne va pas avec les autres"),
    core.LANGUAGE: _l("aucune langue commune avec les autres"),
    core.MIN_REGIONS: _l("trop peu de régions distinctes"),
    core.FILM_COUNT: _l("hors du nombre de films permis"),
    core.RUNTIME_WINDOW: _l("hors de la fenêtre de la case"),
    core.AGE_BAND: _l("hors de la tranche d'âge des autres"),
}


def broken_words(rule: str) -> str:
    """The one rule a near replacement would break, in words."""
    return str(BROKEN.get(rule, _l("une règle ne serait pas respectée")))


def no_replacement_words(found: Replacements) -> str:
    """Why none of the free films fits: how many were searched, what each reason kept out,
    and the runtime a replacement would need."""
    low, high = found.needed
    if found.searched == 0:
        return _("Aucun film accepté n'est libre : tous sont déjà dans une anthologie.")
    if high <= 0:
        need = _("même sans ce film, les autres dépassent déjà la case")
    else:
        need = _(
            "il faudrait un film de %(low)s à %(high)s",
            low=format_duration(low),
            high=format_duration(high),
        )
    reasons = "; ".join(REFUSALS[r](n) if r in REFUSALS else f"{n}" for r, n in found.reasons)
    return _(
        "Aucun des %(n)s films libres ne respecte toutes les règles à sa place (%(need)s) : "
        "%(reasons)s.",
        n=found.searched,
        need=need,
        reasons=reasons,
    )


# -- history ---------------------------------------------------------------------------------


def history_words(entry: HistoryEntry) -> str:
    """ "Épinglé « Titre »", "Retiré « Titre »", "Renommé « Nom »"…"""
    titles = quoted(entry.titles)
    action = entry.action
    if action == "swap" and len(entry.titles) == 2:
        return _(
            "Remplacé %(old)s par %(new)s",
            old=quoted(entry.titles[:1]),
            new=quoted(entry.titles[1:]),
        )
    if action == "revert":
        when = format_datetime(entry.reverted_to, "short") if entry.reverted_to else "?"
        return _("Revenu à la version du %(when)s", when=when)
    said = {
        "add": _l("Ajouté %(films)s"),
        "remove": _l("Retiré %(films)s"),
        "up": _l("Monté %(films)s"),
        "down": _l("Descendu %(films)s"),
        "pin": _l("Épinglé %(films)s"),
        "unpin": _l("Désépinglé %(films)s"),
    }
    if action in said and titles:
        return str(said[action]) % {"films": titles}
    if action == "rename":
        return _("Renommé %(name)s", name=quoted([entry.label]))
    plain = {
        "order": _l("Ordre changé"),
        "pitch": _l("Texte de présentation modifié"),
        "lock": _l("Verrouillée"),
        "unlock": _l("Déverrouillée"),
        "archive": _l("Archivée"),
        "proposed": _l("Proposée par l'atelier"),
        "swap": _l("Film remplacé"),
        "add": _l("Film ajouté"),
        "remove": _l("Film retiré"),
        "up": _l("Film monté"),
        "down": _l("Film descendu"),
        "pin": _l("Épinglage changé"),
    }
    return str(plain.get(action, _l("Modifiée")))


# -- unplaced films --------------------------------------------------------------------------

UNPLACED_REASONS = {
    core.NO_RUNTIME: _l("Sans durée"),
    NO_SYNOPSIS: _l("Sans synopsis"),
    core.TOO_LONG: _l("Plus longs que la case"),
    FIXED_SINCE: _l("Complétés depuis la proposition"),
    core.REGIONAL_FLOOR: _l("Pas assez de films des régions parmi leurs voisins"),
    core.AUDIENCE: _l("Aucun voisin d'un public compatible"),
    core.LANGUAGE: _l("Aucun voisin dans une langue commune"),
    core.DIRECTOR: _l("Leurs voisins ont le même cinéaste"),
    core.MIN_REGIONS: _l("Trop peu de régions parmi leurs voisins"),
    core.FILM_COUNT: _l("Le nombre de films par anthologie"),
    core.RUNTIME_WINDOW: _l("Leurs voisins ne remplissent pas la case"),
    core.AGE_BAND: _l("Aucun voisin dans leur tranche d'âge, ou pas d'âges sur la fiche"),
    "not_selected": _l("Plaçables, mais leurs voisins sont pris ailleurs"),
    "count_limit": _l("Au-delà du nombre d'anthologies demandé"),
    "several_rules": _l("Plusieurs règles ensemble"),
}

UNPLACED_FIXES = {
    core.NO_RUNTIME: _l("Compléter la durée"),
    NO_SYNOPSIS: _l(
        "Compléter le synopsis : sans lui, l'atelier ne peut rapprocher le film d'aucun "
        "autre par le sens"
    ),
    core.TOO_LONG: _l("Le proposer dans une case plus longue"),
    FIXED_SINCE: _l("Demander une nouvelle proposition pour les placer"),
    core.REGIONAL_FLOOR: _l(
        "L'ajouter à la main à une anthologie riche en films des régions, ou baisser le plancher"
    ),
    core.AUDIENCE: _l("Vérifier son public sur la fiche"),
    core.LANGUAGE: _l("Vérifier ses langues et sous-titres sur la fiche"),
    core.DIRECTOR: _l("L'ajouter à la main à une autre anthologie"),
    core.MIN_REGIONS: _l("Demander moins de régions distinctes"),
    core.FILM_COUNT: _l("Permettre plus de films par anthologie"),
    core.RUNTIME_WINDOW: _l(
        "L'ajouter à la main à une anthologie à qui il manque cette durée, ou essayer une "
        "autre case"
    ),
    "not_selected": _l("Demander plus d'anthologies"),
    "count_limit": _l("Demander plus d'anthologies (nombre maximum)"),
    "several_rules": _l("Compléter la fiche (public, langues, région) ou l'ajouter à la main"),
    core.AGE_BAND: _l("Vérifier ses âges sur la fiche"),
}

# Fixes made on the film's record: the link goes to its edit form.
FIXED_ON_RECORD = frozenset(
    {core.NO_RUNTIME, NO_SYNOPSIS, core.AUDIENCE, core.LANGUAGE, "several_rules"}
)


def film_fix_url(film_id: int) -> str:
    """The film's edit form (/catalogue/<id>/modifier) where the app has one, else its page."""
    for rule in current_app.url_map.iter_rules():
        if rule.rule.startswith("/catalogue/") and rule.rule.endswith("<int:film_id>/modifier"):
            return url_for(rule.endpoint, film_id=film_id)
    return url_for("catalog.film_detail", film_id=film_id)
