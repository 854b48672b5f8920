"""Citizens' tips about unsafe places: the public form (an EST incident with source medborgare, in the same review
queue as every report), its thank-you page and the public map of reviewed reports. No sign-in."""
