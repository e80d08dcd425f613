# Die Geräteliste (/devices/), ihre Aktionen und Bestätigungsseiten.

devices-title = Deine Anmeldemethoden
devices-caption = Deine Anmeldemethoden und was du damit tun kannst
devices-col-name = Name
devices-col-kind = Art
devices-col-details = Details
devices-col-last-used = Zuletzt verwendet
devices-col-added = Hinzugefügt
devices-col-actions = Aktionen
devices-current = für diese Sitzung verwendet
devices-unconfirmed = Einrichtung nicht abgeschlossen
devices-locked = nach zu vielen falschen Codes gesperrt
devices-throttled = nach falschen Codes pausiert; wieder nutzbar
devices-new-name = Neuer Name
devices-rename-button = Umbenennen
devices-unlock-button = Entsperren
devices-regenerate-link = Neue Backup-Codes erstellen
devices-remove-link = Entfernen
devices-none = Du hast außer deinem Passwort noch keine Anmeldemethode.
devices-add-title = Anmeldemethode hinzufügen
devices-add-backup-codes = Backup-Codes erstellen
devices-add-backup-codes-hint = Mit Backup-Codes kannst du dich anmelden, wenn deine anderen Methoden nicht verfügbar sind. Jeder Code funktioniert einmal.
devices-cancel = Abbrechen

devices-kind-totp = Authenticator-App
devices-kind-hotp = Hardware-Token
devices-kind-email = E-Mail-Codes
devices-kind-static = Backup-Codes

devices-codes-left-of = { $left } von { $total } übrig
devices-codes-left = { $left ->
    [one] { $left } Code übrig
   *[other] { $left } Codes übrig
}

devices-name-required = Gib einen Namen ein.
devices-name-too-long = Verwende höchstens { $max } Zeichen.
devices-name-invalid = Der Name enthält unzulässige Zeichen.

devices-renamed = Umbenannt in „{ $name }“.
devices-unlocked = „{ $name }“ ist entsperrt.
devices-removed = „{ $name }“ wurde entfernt.
devices-removed-own = Du hast „{ $name }“ entfernt, die Methode, mit der du dich angemeldet hast. Diese Sitzung ist nicht mehr bestätigt: Bestätige mit einer anderen Methode, um fortzufahren.
devices-removed-own-last = Du hast „{ $name }“ entfernt, die Methode, mit der du dich angemeldet hast. Diese Sitzung ist nicht mehr bestätigt, und du hast keine Anmeldemethode mehr: Füge eine hinzu, um dein Konto zu schützen.

devices-remove-title = „{ $name }“ entfernen?
devices-remove-what = Du kannst dich danach nicht mehr damit anmelden.
devices-remove-static = Deine unbenutzten Backup-Codes funktionieren dann nicht mehr.
devices-remove-current = Du hast dich in dieser Sitzung damit angemeldet: Danach ist diese Sitzung nicht mehr bestätigt, und du bestätigst mit einer anderen Methode, um deine Anmeldemethoden wieder zu verwalten.
devices-remove-last = Es ist deine letzte Anmeldemethode: Danach schützt nur noch dein Passwort dein Konto.
devices-remove-last-required = Es ist deine letzte Anmeldemethode: Danach kannst du dich nicht mehr anmelden, bis dir eine Administratorin oder ein Administrator eine neue einrichtet.
devices-remove-button = Entfernen

devices-regenerate-title = Neue Backup-Codes erstellen?
devices-regenerate-what = { $left ->
    [0] Du hast keine unbenutzten Backup-Codes.
    [one] Dein unbenutzter Backup-Code funktioniert nicht mehr, sobald die neuen Codes erstellt sind.
   *[other] Deine { $left } unbenutzten Backup-Codes funktionieren nicht mehr, sobald die neuen Codes erstellt sind.
}
devices-regenerate-save = Die neuen Codes werden nur einmal angezeigt: Bewahre sie sicher auf.
devices-regenerate-button = Neue Backup-Codes erstellen

# „Deine Sitzungen“ (/devices/, §7.7.1).
sessions-title = Deine Sitzungen
sessions-hint = Wo du angemeldet bist. Wenn du eine Sitzung nicht erkennst, melde sie ab und ändere dein Passwort.
sessions-caption = Deine angemeldeten Sitzungen und was du damit tun kannst
sessions-col-device = Browser
sessions-col-signed-in = Angemeldet
sessions-col-last-seen = Zuletzt aktiv
sessions-current = diese Sitzung
sessions-agent = { $browser } unter { $os }
sessions-agent-os = Ein Browser unter { $os }
sessions-agent-unknown = Unbekannter Browser
sessions-end-button = Abmelden
sessions-end-label = Abmelden: { $description }
sessions-end-others-button = Alle anderen Sitzungen abmelden
sessions-ended-one = { $description } wurde abgemeldet.
sessions-ended-others = { $n ->
    [0] Es gab keine andere Sitzung zum Abmelden.
    [one] 1 andere Sitzung wurde abgemeldet.
   *[other] { $n } andere Sitzungen wurden abgemeldet.
}
# Vertrauenswürdige Browser („Diesem Browser vertrauen“ beim Code).
trusted-title = Vertrauenswürdige Browser
trusted-hint = Diese Browser melden dich allein mit deinem Passwort an. Widerrufe einen, den du nicht mehr benutzt oder nicht erkennst.
trusted-caption = Deine vertrauenswürdigen Browser und was du mit jedem tun kannst
trusted-col-trusted = Vertraut seit
trusted-revoke-button = Widerrufen
trusted-revoke-label = { $description } widerrufen
trusted-revoke-all-button = Allen Browsern das Vertrauen entziehen
trusted-none = Keinem Browser wird vertraut. Setze beim Eingeben eines Codes das Häkchen bei „Diesem Browser vertrauen“.
trusted-revoked-one = Dieser Browser fragt wieder nach einem Code.
trusted-revoked-all = { $n ->
    [0] Keinem Browser wurde vertraut.
    [one] 1 Browser fragt wieder nach einem Code.
   *[other] { $n } Browser fragen wieder nach einem Code.
}
