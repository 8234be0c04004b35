"""Hold the Nkabom pack's translated text: tagline, material and product names, story chapters.

Kept apart from ``generate.py`` so translators can edit words without reading the generator.
Stories say what was done and what the records show; no adjectives such as "sustainable".
"""

from __future__ import annotations

TAGLINE = {
    "en": "Nkabom means “coming together” in Twi. Scan a bar to see where its cocoa came from "
    "and what was checked.",
    "de": "Nkabom heißt auf Twi „zusammenkommen“. Scannen Sie eine Tafel und sehen Sie, woher "
    "ihr Kakao stammt und was geprüft wurde.",
    "fr": "Nkabom signifie « se rassembler » en twi. Scannez une tablette pour voir d’où vient "
    "son cacao et ce qui a été vérifié.",
    "nl": "Nkabom betekent ‘samenkomen’ in het Twi. Scan een reep en zie waar de cacao vandaan "
    "komt en wat er is gecontroleerd.",
}

MATERIAL_NAMES = {
    "wet_beans": {
        "en": "Wet cocoa beans",
        "de": "Frische Kakaobohnen (nass)",
        "fr": "Fèves de cacao fraîches",
        "nl": "Natte cacaobonen",
    },
    "fermented_beans": {
        "en": "Fermented cocoa beans",
        "de": "Fermentierte Kakaobohnen",
        "fr": "Fèves de cacao fermentées",
        "nl": "Gefermenteerde cacaobonen",
    },
    "dried_beans": {
        "en": "Dried cocoa beans",
        "de": "Getrocknete Kakaobohnen",
        "fr": "Fèves de cacao séchées",
        "nl": "Gedroogde cacaobonen",
    },
    "nibs": {
        "en": "Roasted cocoa nibs",
        "de": "Geröstete Kakaonibs",
        "fr": "Grué de cacao torréfié",
        "nl": "Geroosterde cacaonibs",
    },
    "liquor": {
        "en": "Cocoa liquor",
        "de": "Kakaomasse",
        "fr": "Masse de cacao",
        "nl": "Cacaomassa",
    },
    "butter": {
        "en": "Cocoa butter",
        "de": "Kakaobutter",
        "fr": "Beurre de cacao",
        "nl": "Cacaoboter",
    },
    "cake": {
        "en": "Cocoa press cake",
        "de": "Kakaopresskuchen",
        "fr": "Tourteau de cacao",
        "nl": "Cacaoperskoek",
    },
    "sugar": {
        "en": "Cane sugar",
        "de": "Rohrzucker",
        "fr": "Sucre de canne",
        "nl": "Rietsuiker",
    },
    "milk_powder": {
        "en": "Whole milk powder",
        "de": "Vollmilchpulver",
        "fr": "Lait entier en poudre",
        "nl": "Volle melkpoeder",
    },
}

PRODUCT_NAMES = {
    "dark": {
        "en": "Dark chocolate 70% cocoa, 100 g",
        "de": "Zartbitterschokolade 70 % Kakao, 100 g",
        "fr": "Chocolat noir 70 % de cacao, 100 g",
        "nl": "Pure chocolade 70% cacao, 100 g",
    },
    "milk": {
        "en": "Milk chocolate 42% cocoa, 100 g",
        "de": "Vollmilchschokolade 42 % Kakao, 100 g",
        "fr": "Chocolat au lait 42 % de cacao, 100 g",
        "nl": "Melkchocolade 42% cacao, 100 g",
    },
}

STORIES: dict[str, dict[str, dict[str, str]]] = {
    "en": {
        "farms": {
            "title": "The farms",
            "body": "The cocoa in this bar was grown by smallholder families in the Ashanti and "
            "Western North regions of Ghana, on plots of half a hectare to six hectares mapped "
            "with GPS. Every delivery is recorded with the farm and the plots it came from, and "
            "each plot is compared with satellite maps of forest cover at the end of 2020. "
            "Where a record is missing or a figure does not add up, this page says so.",
        },
        "cooperative": {
            "title": "The cooperatives",
            "body": "Farmers sell their wet beans to one of two cooperatives, in Nyinahin and in "
            "Sefwi Wiawso. The cooperative weighs every delivery, pays the producer price set "
            "by the Ghana Cocoa Board and records each payment. Its community facilitators "
            "visit member households to monitor child labour and return where a child is "
            "found at risk.",
        },
        "fermentation": {
            "title": "Fermentation and drying",
            "body": "The farmers' union runs a central fermentary in Bibiani. The beans ferment "
            "in wooden boxes for about six days and are turned every two days, then dry in the "
            "sun on raised tables for a week or more. Each run gets its own lot number, so "
            "every sack can be traced back to the deliveries in it.",
        },
        "shipping": {
            "title": "Shipping",
            "body": "The dried beans travel by truck to a warehouse at the port of Takoradi, "
            "where they are graded and stored until loading. The voyage to Amsterdam takes "
            "about three weeks; from there the beans go by road to our factory in Zaandam.",
        },
        "factory": {
            "title": "The factory",
            "body": "In Zaandam the beans are roasted, shelled and ground into cocoa liquor, and "
            "part of the liquor is pressed for cocoa butter. Liquor, cocoa butter, sugar and, "
            "for milk chocolate, milk powder are mixed, conched and moulded into bars. When a "
            "batch also contains cocoa butter bought from a supplier without farm records, "
            "that share is shown here as of unknown origin.",
        },
    },
    "de": {
        "farms": {
            "title": "Die Farmen",
            "body": "Der Kakao in dieser Tafel stammt von Kleinbauernfamilien in den Regionen "
            "Ashanti und Western North in Ghana, von Parzellen zwischen einem halben und sechs "
            "Hektar, die per GPS vermessen wurden. Jede Lieferung wird mit der Farm und den "
            "Parzellen erfasst, von denen sie stammt, und jede Parzelle wird mit "
            "Satellitenkarten der Waldbedeckung von Ende 2020 abgeglichen. Fehlt ein Nachweis "
            "oder geht eine Zahl nicht auf, steht das auf dieser Seite.",
        },
        "cooperative": {
            "title": "Die Genossenschaften",
            "body": "Die Bäuerinnen und Bauern verkaufen ihre frischen Bohnen an eine von zwei "
            "Genossenschaften, in Nyinahin und in Sefwi Wiawso. Die Genossenschaft wiegt jede "
            "Lieferung, zahlt den vom Ghana Cocoa Board festgelegten Erzeugerpreis und "
            "dokumentiert jede Zahlung. Ihre Gemeindebetreuer besuchen die Haushalte der "
            "Mitglieder, um Kinderarbeit zu erfassen, und kommen wieder, wenn ein Kind "
            "gefährdet ist.",
        },
        "fermentation": {
            "title": "Fermentation und Trocknung",
            "body": "Der Bauernverband betreibt in Bibiani eine zentrale Fermentationsstation. "
            "Die Bohnen fermentieren etwa sechs Tage in Holzkisten und werden alle zwei Tage "
            "umgeschichtet; danach trocknen sie eine Woche oder länger in der Sonne auf "
            "erhöhten Tischen. Jeder Durchgang erhält eine eigene Losnummer, sodass sich jeder "
            "Sack bis zu den einzelnen Lieferungen zurückverfolgen lässt.",
        },
        "shipping": {
            "title": "Transport",
            "body": "Die getrockneten Bohnen fahren per Lkw zu einem Lagerhaus im Hafen von "
            "Takoradi, wo sie klassiert und bis zur Verladung gelagert werden. Die Seereise "
            "nach Amsterdam dauert etwa drei Wochen; von dort geht es auf der Straße zu "
            "unserer Fabrik in Zaandam.",
        },
        "factory": {
            "title": "Die Fabrik",
            "body": "In Zaandam werden die Bohnen geröstet, geschält und zu Kakaomasse "
            "vermahlen; ein Teil der Masse wird zu Kakaobutter gepresst. Kakaomasse, "
            "Kakaobutter, Zucker und bei Milchschokolade Milchpulver werden gemischt, "
            "conchiert und zu Tafeln gegossen. Enthält eine Charge auch zugekaufte "
            "Kakaobutter ohne Farmnachweise, wird dieser Anteil hier als Herkunft unbekannt "
            "ausgewiesen.",
        },
    },
    "fr": {
        "farms": {
            "title": "Les plantations",
            "body": "Le cacao de cette tablette a été cultivé par des familles de petits "
            "producteurs des régions Ashanti et Western North, au Ghana, sur des parcelles "
            "d’un demi-hectare à six hectares relevées au GPS. Chaque livraison est enregistrée "
            "avec la plantation et les parcelles d’où elle provient, et chaque parcelle est "
            "comparée aux cartes satellitaires du couvert forestier de fin 2020. Quand un "
            "document manque ou qu’un chiffre ne concorde pas, cette page l’indique.",
        },
        "cooperative": {
            "title": "Les coopératives",
            "body": "Les producteurs vendent leurs fèves fraîches à l’une des deux coopératives, "
            "à Nyinahin et à Sefwi Wiawso. La coopérative pèse chaque livraison, paie le prix "
            "au producteur fixé par le Ghana Cocoa Board et enregistre chaque paiement. Ses "
            "animateurs communautaires rendent visite aux familles membres pour suivre le "
            "travail des enfants et reviennent lorsqu’un enfant est en situation de risque.",
        },
        "fermentation": {
            "title": "Fermentation et séchage",
            "body": "L’union des producteurs gère une station de fermentation centrale à "
            "Bibiani. Les fèves fermentent environ six jours dans des caisses en bois et sont "
            "brassées tous les deux jours, puis sèchent au soleil sur des claies surélevées "
            "pendant une semaine ou plus. Chaque fermentation reçoit son propre numéro de lot : "
            "chaque sac peut ainsi être relié aux livraisons qu’il contient.",
        },
        "shipping": {
            "title": "Transport",
            "body": "Les fèves séchées partent en camion vers un entrepôt du port de Takoradi, "
            "où elles sont classées et stockées jusqu’au chargement. La traversée jusqu’à "
            "Amsterdam dure environ trois semaines ; de là, les fèves rejoignent par la route "
            "notre usine de Zaandam.",
        },
        "factory": {
            "title": "L’usine",
            "body": "À Zaandam, les fèves sont torréfiées, décortiquées et broyées en masse de "
            "cacao ; une partie de la masse est pressée pour obtenir le beurre de cacao. Masse, "
            "beurre de cacao, sucre et, pour le chocolat au lait, lait en poudre sont mélangés, "
            "conchés et moulés en tablettes. Lorsqu’un lot contient aussi du beurre de cacao "
            "acheté à un fournisseur sans traçabilité jusqu’aux plantations, cette part est "
            "indiquée ici comme d’origine inconnue.",
        },
    },
    "nl": {
        "farms": {
            "title": "De boerderijen",
            "body": "De cacao in deze reep is geteeld door kleine boerengezinnen in de regio’s "
            "Ashanti en Western North in Ghana, op percelen van een halve tot zes hectare die "
            "met gps zijn ingemeten. Elke levering wordt vastgelegd met de boerderij en de "
            "percelen waar ze vandaan komt, en elk perceel wordt vergeleken met satellietkaarten "
            "van de bosbedekking eind 2020. Ontbreekt een gegeven of klopt een getal niet, dan "
            "staat dat op deze pagina.",
        },
        "cooperative": {
            "title": "De coöperaties",
            "body": "De boeren verkopen hun natte bonen aan een van twee coöperaties, in "
            "Nyinahin en in Sefwi Wiawso. De coöperatie weegt elke levering, betaalt de "
            "producentenprijs die de Ghana Cocoa Board vaststelt en legt elke betaling vast. "
            "Haar gemeenschapswerkers bezoeken de huishoudens van de leden om kinderarbeid te "
            "signaleren en komen terug als een kind risico loopt.",
        },
        "fermentation": {
            "title": "Fermentatie en drogen",
            "body": "De boerenunie beheert een centrale fermentatieplaats in Bibiani. De bonen "
            "fermenteren ongeveer zes dagen in houten bakken en worden om de twee dagen "
            "omgeschept; daarna drogen ze een week of langer in de zon op verhoogde tafels. "
            "Elke fermentatie krijgt een eigen lotnummer, zodat elke zak terug te volgen is "
            "tot de leveringen die erin zitten.",
        },
        "shipping": {
            "title": "Vervoer",
            "body": "De gedroogde bonen gaan per vrachtwagen naar een pakhuis in de haven van "
            "Takoradi, waar ze worden geklasseerd en opgeslagen tot het laden. De zeereis naar "
            "Amsterdam duurt ongeveer drie weken; daarna gaan de bonen over de weg naar onze "
            "fabriek in Zaandam.",
        },
        "factory": {
            "title": "De fabriek",
            "body": "In Zaandam worden de bonen gebrand, gepeld en tot cacaomassa gemalen; een "
            "deel van de massa wordt geperst tot cacaoboter. Cacaomassa, cacaoboter, suiker en "
            "voor melkchocolade melkpoeder worden gemengd, geconcheerd en in repen gegoten. "
            "Bevat een batch ook cacaoboter van een leverancier zonder gegevens over de "
            "boerderijen, dan staat dat deel hier als herkomst onbekend.",
        },
    },
}
