"""The seed's Veiligheidsbeeld table (Jaarverslag 2019 Eenheid Rotterdam), typed in
independently of data/ so tests compare the data and the computations against it.

indicator, 2018, 2019, published "% 2019 realisatie t.o.v. doel", target as printed.
"""

KPI_2019 = [
    ("misdrijven-totaal", 91400, 95782, "5", "≤ 2018"),
    ("woninginbraken", 4400, 4028, "8", "≤ 2018"),
    ("straatroven", 761, 717, "6", "≤ 2018"),
    ("overvallen", 225, 223, "1", "≤ 2018"),
    ("csv-onderzoeken", 95, 101, "2", "95"),
    ("verdachten-mensenhandel", 44, 48, "85", "26"),
    ("verdachten-horizontale-fraude", 300, 465, "55", "310"),
    ("misdrijven-cybercrime", 297, 302, None, None),
    ("verdachten-cybercrime", 31, 48, "20", "40"),
    ("reactietijd-spoed", 82.3, 82.3, "0.3", "82,0%"),
    ("reactietijd-prio2", 79.7, 79.6, "2.6", "77,0%"),
    ("dna-v", 72.8, 72.1, "2.1", "70,0%"),
]

# Realisation worked out by hand: relative change vs. the reference for counts (%),
# difference in percentage points for percentages; and whether the target was met.
REALISATION_2019 = {
    "misdrijven-totaal": (4.79, False),  # (95782 - 91400) / 91400
    "woninginbraken": (-8.45, True),  # (4028 - 4400) / 4400
    "straatroven": (-5.78, True),
    "overvallen": (-0.89, True),
    "csv-onderzoeken": (6.32, True),  # (101 - 95) / 95
    "verdachten-mensenhandel": (84.62, True),  # (48 - 26) / 26
    "verdachten-horizontale-fraude": (50.0, True),  # (465 - 310) / 310
    "verdachten-cybercrime": (20.0, True),
    "reactietijd-spoed": (0.3, True),  # 82.3 - 82.0
    "reactietijd-prio2": (2.6, True),
    "dna-v": (2.1, True),
}

# Rows whose published realisation does not follow from the figures.
INCONSISTENT_2019 = {"csv-onderzoeken", "verdachten-horizontale-fraude"}

# Other unit figures the seed's text states (indicator, year, value).
UNIT_FIGURES = [
    ("personen-staande-gehouden", 2019, 53569),
    ("verdachten-aangehouden", 2019, 31310),
    ("grootschalige-onderzoeken", 2019, 14),
    ("beslag-crimineel-vermogen", 2019, 14232000),
    ("slachtofferbeslag", 2019, 140),
    ("dodelijke-slachtoffers-geweld", 2019, 19),
    ("aandeel-internetaangiften", 2018, 36),
    ("aandeel-internetaangiften", 2019, 39),
    ("ingeleverde-wapens", 2019, 279),
    ("ingeleverde-vuurwapens", 2019, 74),
    ("evenementen", 2019, 5400),
    ("gewonde-medewerkers", 2018, 679),
    ("gewonde-medewerkers", 2019, 787),
    ("aspiranten-in-dienst", 2019, 770),
    ("fenomeenonderzoeken-cybercrime", 2019, 8),
    ("cocaine-inbeslagname", 2019, 33000),  # "ruim", as the chapter states it
    ("gewaarschuwde-bedrijven-ransomware", 2019, 1200),  # "meer dan"
    ("cybervrijwilligers", 2019, 6),
    ("instroom-aspiranten", 2019, 300),
    ("instroom-migratieachtergrond", 2019, 37),
    ("bekendheid-handelingskader", 2019, 43),
    ("tevredenheid-politiecontact", 2017, 59.2),
    ("tevredenheid-politiecontact", 2019, 63),
    ("familieagent-inzetten", 2019, 350),
    ("personeelsoproepen", 2019, 251),
    ("toegeruste-wijkagenten-online", 2019, 190),
    ("gescande-basisteams", 2019, 14),
    # read again for issue 14: the rest of the text and the appendix
    ("bekendheid-handelingskader-begin", 2019, 25),  # begin 2019
    ("herkenning-handelingskader", 2019, 70),
    ("aangepakte-smartshops", 2019, 2),  # "een tweetal"
    ("alternatieve-interventies-cybercrime", 2019, 4),  # % of the investigations
    ("uitbreiding-cybercrimeteam", 2019, 9.5),  # fte
    ("roulatie-cybercrimeteam", 2019, 0),  # "geen medewerkers"
    ("mkb-voorlichtingsbijeenkomsten", 2019, 4),
    ("afname-inzetbare-capaciteit", 2019, 500),  # "ongeveer 500 fte" since 2016
    ("ib-training-basisteams", 2019, 91),
    ("ib-training-recherche", 2019, 33),
    ("districten-slachtofferbeslag", 2019, 2),  # two of the six districts
    ("scholen-in-contact", 2019, 90),
    ("wijkagenten-norm", 2019, 377),
    ("wijkagenten-formatie", 2019, 412),
    ("opgeleide-praktijkbegeleiders", 2019, 42),
    ("deelnemers-talentprogramma", 2019, 32),  # the "verschilmakers"
    ("basisteams-vernieuwend-werken", 2019, 7),
    ("basisteams-doorbreken-grenzen", 2019, 7),
]

# Figures the seed gives as approximate, with its word for it.
APPROXIMATE = {
    ("slachtofferbeslag", 2019): "circa",
    ("cocaine-inbeslagname", 2019): "ruim",
    ("gewaarschuwde-bedrijven-ransomware", 2019): "meer dan",
    ("evenementen", 2019): "ruim",
    ("personeelsoproepen", 2019): "ruim",
    ("afname-inzetbare-capaciteit", 2019): "circa",
}

# How many unit figures each section of the seed states (its headings, nested as the report
# is organised), the KPI table included, its appendix goals and relative changes left out.
# Sections without figures count 0.
_S1, _S2, _B = "1. Regionaal Veiligheidsbeeld", "2. Strategische thema's", "Bijlage"
FIGURES_PER_SECTION = {
    "Voorwoord": 0,
    "Leeswijzer": 0,
    _S1: 12 * 2 + 6,  # the table's two years, and six figures of its opening text
    f"{_S1} > Criminaliteitsbeeld": 2,
    f"{_S2} > Politie voor iedereen > Meer diverse teams": 1,
    f"{_S2} > Politie voor iedereen > Discriminatie & pro actief controleren": 3,
    f"{_S2} > Contraterrorisme, extremisme en radicalisering (CTER)": 0,
    f"{_S2} > Ondermijning > Aanpak van ondermijning": 1,
    f"{_S2} > Ondermijning > Excessief geweld en vuurwapenbezit": 2,
    f"{_S2} > Ondermijning > Drugs": 1,
    f"{_S2} > Cybercrime": 3,
    f"{_S2} > Cybercrime > Nieuwe collega's voor het Cybercrimeteam Rotterdam": 2,
    f"{_S2} > Cybercrime > Kennisontwikkeling & training": 1,
    f"{_S2} > Cybercrime > Samenwerking met publieke en private partners": 1,
    f"{_S2} > Beheersing openbare orde risico's": 2,
    f"{_S2} > Inzetbaarheid": 1,
    f"{_S2} > Inzetbaarheid > Verhoogde instroomaspiranten": 1,
    f"{_S2} > Inzetbaarheid > Geweld tegen politieambtenaren": 2,
    f"{_B} > Politie voor iedereen > C: Meer divers samengestelde teams": 1,
    f"{_B} > Burger centraal en slachtoffer voorop > A: Bekendheid bij burgers over beschikbare dienstverlening": 2,
    f"{_B} > Burger centraal en slachtoffer voorop > B: Veiligheid van slachtoffers voorop; beschermen voor opsporen": 4,
    f"{_B} > Burger centraal en slachtoffer voorop > C: Meer maatwerk, samenwerking en wederkerigheid": 1,
    f"{_B} > Bedrijfsvoering: Inzetbaarheid > A: Op sterkte komen & blijven": 4,
    f"{_B} > Ontwikkelagenda GGP > Wijkagent in de digitale wereld": 1,
    f"{_B} > Ontwikkelagenda GGP > Zicht op ontwikkeling": 1,
    f"{_B} > Ontwikkelagenda GGP > Vernieuwend werken": 1,
    f"{_B} > Ontwikkelagenda GGP > Doorbreken van grenzen": 1,
}
# The same per top-level section: 30 + 2 in the Veiligheidsbeeld, 21 in the themes' text, 16 in the appendix.
FIGURES_PER_PART = {"Voorwoord": 0, "Leeswijzer": 0, _S1: 32, _S2: 21, _B: 16}

# Goal rows of the seed's appendix per (theme, ambition), counted in its tables.
GOALS_PER_AMBITION = {
    ("politie-voor-iedereen", "A"): 1, ("politie-voor-iedereen", "B"): 3, ("politie-voor-iedereen", "C"): 2,
    ("politie-voor-iedereen", "D"): 1,
    ("cter", "B"): 6, ("cter", "C"): 4,
    ("ondermijning", "A"): 3, ("ondermijning", "B"): 4, ("ondermijning", "D"): 4,
    ("cybercrime", "B"): 4, ("cybercrime", "C"): 6,
    ("burger-centraal", "A"): 6, ("burger-centraal", "B"): 6, ("burger-centraal", "C"): 4,
    ("openbare-orde", "A"): 2, ("openbare-orde", "B"): 3, ("openbare-orde", "C"): 4,
    ("inzetbaarheid", "A"): 10, ("inzetbaarheid", "B"): 6, ("inzetbaarheid", "C"): 4,
    ("ontwikkelagenda-opsporing", "A"): 7, ("ontwikkelagenda-opsporing", "B"): 7,
    ("ontwikkelagenda-ggp", "A"): 9,
}

# Goals with numbers in the seed: (goal id, kind, target, result, status the seed implies).
QUANTIFIED_GOALS = [
    ("piv-b-2", "at_least", 20, 10, "niet"),  # exit interviews: 20 planned, 10 held
    # inflow: the target counts a non-western background, the 12% any migration background
    ("piv-c-1", "at_least", 20, 12, "niet-vergelijkbaar"),
    ("bcsv-a-4", "at_least", 65, 63, "niet"),  # satisfaction with the last contact, %
    ("bcsv-a-5", "at_least", 82, 82.3, "gerealiseerd"),  # prio 1 within 15 minutes, %
    ("bcsv-c-3", "at_least", 80, 69, "niet"),  # HALT referrals within 7 days, %
    ("inz-b-1", "at_most", 6.7, 6.5, "gerealiseerd"),  # absence rate, %
    ("inz-b-3", "at_least", 90, 66.4, "niet"),  # FVT fitness test, %
    ("inz-b-5", "at_least", 100, 93.4, "niet"),  # RTGP certification, %
    ("inz-c-1", "at_most", 26890, 29751, "niet"),  # working-time violations vs 2017
    ("ond-b-3", "at_least", 4, 5, "gerealiseerd"),  # learning files
]

# Goal numbers the seed does not state but we read from its words: (goal id, which number).
# Re-read from the appendix; every other number in goals.csv is stated as such.
DERIVED_GOAL_NUMBERS = [
    ("cter-b-6", "result"),  # "ontwikkeld en gegeven": one training
    ("cter-c-1", "result"),  # "alle IBT-plichtige medewerkers": 100%
    ("ond-d-4", "target"),  # "3 a 4 keer per jaar": 3
    ("cyb-b-1", "result"),  # four topics of prevention tips listed: 4
    ("bcsv-b-6", "result"),  # "minimaal 2 familieagenten per basisteam": 2
    ("inz-c-1", "target"),  # "lager dan in 2017": the 2017 count from the result column
    ("bcsv-b-5", "target"),  # "minimaal 30 per district": met in all 6 districts
    ("oor-b-3", "result"),  # the text's "meerdere" table-top exercises: at least 2
]
