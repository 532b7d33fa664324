"""Small made-up stories the index tests write as documents (one place, not one per file)."""

HARBOUR = (
    "# Harbour reopens\n\n"
    "The harbour at Port Ellen reopened on Thursday after three weeks of repairs to the pier.\n"
    "Ferry services to the mainland will resume on Saturday, the operator said.\n"
)
ORCHARD = (
    "Orchard harvest doubles\n\n"
    "Apple growers in the valley picked twice as much fruit this autumn as last year.\n"
    "A warm spring and no late frost helped the blossom set, the growers' union said.\n"
)
# A two-page PDF's text, page by page.
GUILD = [
    ["The lighthouse keepers guild was founded in 1821 by seven keepers."],
    ["Its treasurer is Mara Lindqvist, who keeps the accounts in a ledger."],
]
