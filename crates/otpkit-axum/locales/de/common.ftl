common-account-nav = Konto
common-site-nav = Website
common-skip-to-content = Zum Hauptinhalt springen
common-security = Bestätigung in zwei Schritten
common-sign-in = Anmelden
common-sign-out = Abmelden
common-admin = Verwaltung
common-signed-in-as = Angemeldet als { $user }
common-error-title = Etwas ist schiefgegangen
common-back = Zurück
common-cancel = Abbrechen
common-continue = Weiter
common-save = Speichern
common-language = Sprache
common-language-choose = Sprache ändern
language-en = English
language-de = Deutsch
language-es = Español
language-fr = Français
language-pt = Português

time-just-now = gerade eben
time-never = nie
time-on-date = am { $date }
time-minutes-ago = { $n ->
        [one] vor 1 Minute
       *[other] vor { $n } Minuten
    }
time-hours-ago = { $n ->
        [one] vor 1 Stunde
       *[other] vor { $n } Stunden
    }
time-days-ago = { $n ->
        [one] gestern
       *[other] vor { $n } Tagen
    }
time-minutes-from-now = { $n ->
        [one] in 1 Minute
       *[other] in { $n } Minuten
    }
time-hours-from-now = { $n ->
        [one] in 1 Stunde
       *[other] in { $n } Stunden
    }
time-days-from-now = { $n ->
        [one] morgen
       *[other] in { $n } Tagen
    }
