# Die Geräteliste (/devices/), ihre Aktionen und Bestätigungsseiten.

devices-title = Ihre Anmeldemethoden
devices-caption = Ihre Anmeldemethoden und was Sie damit tun können
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
devices-none = Sie haben außer Ihrem Passwort noch keine Anmeldemethode.
devices-add-title = Anmeldemethode hinzufügen
devices-add-totp = Authenticator-App
devices-add-totp-hint = — empfohlen: Eine App auf Ihrem Telefon zeigt alle 30 Sekunden einen neuen Code.
devices-add-email = E-Mail-Codes
devices-add-email-hint = — bei der Anmeldung wird ein Code an Ihre E-Mail-Adresse gesendet; die am wenigsten sichere Methode.
devices-add-backup-codes = Backup-Codes erstellen
devices-add-backup-codes-hint = Mit Backup-Codes können Sie sich anmelden, wenn Ihre anderen Methoden nicht verfügbar sind. Jeder Code funktioniert einmal.
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

devices-name-required = Geben Sie einen Namen ein.
devices-name-too-long = Verwenden Sie höchstens { $max } Zeichen.
devices-name-invalid = Der Name enthält unzulässige Zeichen.

devices-renamed = Umbenannt in „{ $name }“.
devices-unlocked = „{ $name }“ ist entsperrt.
devices-removed = „{ $name }“ wurde entfernt.
devices-removed-own = Sie haben „{ $name }“ entfernt, die Methode, mit der Sie sich angemeldet haben. Diese Sitzung ist nicht mehr bestätigt: Bestätigen Sie mit einer anderen Methode, um fortzufahren.
devices-removed-own-last = Sie haben „{ $name }“ entfernt, die Methode, mit der Sie sich angemeldet haben. Diese Sitzung ist nicht mehr bestätigt, und Sie haben keine Anmeldemethode mehr: Fügen Sie eine hinzu, um Ihr Konto zu schützen.

devices-remove-title = „{ $name }“ entfernen?
devices-remove-what = Sie können sich danach nicht mehr damit anmelden.
devices-remove-static = Ihre unbenutzten Backup-Codes funktionieren dann nicht mehr.
devices-remove-current = Sie haben sich in dieser Sitzung damit angemeldet: Danach ist diese Sitzung nicht mehr bestätigt, und Sie bestätigen mit einer anderen Methode, um Ihre Anmeldemethoden wieder zu verwalten.
devices-remove-last = Es ist Ihre letzte Anmeldemethode: Danach schützt nur noch Ihr Passwort Ihr Konto.
devices-remove-last-required = Es ist Ihre letzte Anmeldemethode: Danach können Sie sich nicht mehr anmelden, bis Ihnen ein Administrator eine neue einrichtet.
devices-remove-button = Entfernen

devices-regenerate-title = Neue Backup-Codes erstellen?
devices-regenerate-what = { $left ->
    [0] Sie haben keine unbenutzten Backup-Codes.
    [one] Ihr unbenutzter Backup-Code funktioniert nicht mehr, sobald die neuen Codes erstellt sind.
   *[other] Ihre { $left } unbenutzten Backup-Codes funktionieren nicht mehr, sobald die neuen Codes erstellt sind.
}
devices-regenerate-save = Die neuen Codes werden nur einmal angezeigt: Bewahren Sie sie sicher auf.
devices-regenerate-button = Neue Backup-Codes erstellen
