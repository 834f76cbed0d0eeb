"""The stop words that cluster and bundle keywords leave out, in French and in English.

The French list is shipped here as code (the core opens no file). It holds the function words
of the usual French lists (articles, pronouns, prepositions, conjunctions, the forms of être,
avoir, faire, aller, pouvoir, vouloir, devoir) plus words every synopsis uses ("film",
"histoire") that would otherwise crown every cluster. English comes from scikit-learn.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

_FRENCH = """
    a à afin ah ai aie aient aies ait alors as au aucun aucune audit auquel aura aurai auraient
    aurais aurait auras aurez auriez aurions aurons auront aussi autre autres aux auxquelles
    auxquels avaient avais avait avant avec avez aviez avions avoir avons ayant ayez ayons
    bah beaucoup bien bon c ça car ce ceci cela celle celles celui cependant certain certaine
    certaines certains ces cet cette ceux chacun chacune chaque chez ci comme comment contre d
    dans de depuis des desquelles desquels deux devant devait devoir doit donc dont du duquel
    durant dès déjà elle elles en encore entre es est et étaient étais était étant été êtes
    étiez étions être eu eue eues eûmes eurent eus eusse eussent eusses eussiez eussions eut eût
    eux faire fais fait faite faites faut fois font furent fus fusse fussent fut fût hors ici il
    ils j je jusqu jusque l la là laquelle le lequel les lesquelles lesquels leur leurs lors
    lorsque lui m ma mais malgré me même mêmes mes moi moins mon n ne ni non nos notre nous on
    ont ou où par parce parmi pas peu peut peuvent plus plusieurs pour pourquoi pourra pourrait
    pouvait pouvoir près puis qu quand quant que quel quelle quelles quels qui quoi s sa sans
    sauf se selon sera serai seraient serais serait seras serez seriez serions serons seront ses
    si sien sienne siennes siens soi soient sois soit sommes son sont sous soyez soyons suis sur
    t ta tandis te tes toi ton tous tout toute toutes très trop tu un une unes uns va vais vas
    vers veut via voici voilà vont vos votre vous vu y
    alors ainsi après aujourd autour autant cette cependant chose choses comme d'un d'une dedans
    dehors désormais dessous dessus devient devenir doivent elle-même eux-mêmes jamais jour
    jours lui-même mieux moment nouveau nouvelle pendant peut-être pourtant quelqu quelque
    quelques rien souvent surtout tel telle telles tels toujours toute trois quatre cinq
    un deux ans année années fait faits film films histoire récit raconte suit découvre
    hui lors grâce celui celle ceux fin début vie documentaire documentaires court courts
    métrage métrages tourné tournée tournés tournées filmé filmée filmés filmées réalisé
    réalisée réalisés présente présentent montre montrent propose proposent nous
    rencontre rencontrent regard portrait travers dit dits dite dire petit petite petits
    petites jeune jeunes grand grande grands grandes
"""
FRENCH_STOP_WORDS: frozenset[str] = frozenset(_FRENCH.split())

# Synopsis boilerplate: present in so many descriptions that it says nothing of a cluster.
_ENGLISH_EXTRA = (
    "film films movie movies documentary story stories life new year years young short"
    " follows follow explores shows filmed shot made guided takes tells look looks portrait"
    " meet meets set won wins winning time times talk talks small home central little big"
)
ENGLISH: frozenset[str] = frozenset(ENGLISH_STOP_WORDS) | frozenset(_ENGLISH_EXTRA.split())


@lru_cache(maxsize=1 << 17)
def fold(word: str) -> str:
    """Lower case without accents, so "Déjà" and "deja" are one word to the stop list.

    Remembered: a catalog's words repeat (a large one says a few tens of thousands of
    distinct words 100 times each), and folding is most of the time spent naming bundles."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# Compared after folding, so a synopsis typed without accents is filtered the same way.
STOP_WORDS: frozenset[str] = frozenset(fold(w) for w in FRENCH_STOP_WORDS | ENGLISH)
