# Der Administrationsbereich (/admin/): die Anmeldemethoden aller Benutzer.

admin-list-title = Anmeldemethoden aller Benutzer
admin-list-caption = Anmeldemethoden aller Benutzer mit ihrem Zustand
admin-add-link = Anmeldemethode hinzufügen
admin-filter-search = Suche (Benutzer, Name oder E-Mail-Adresse)
admin-filter-all = Alle
admin-yes = Ja
admin-no = Nein
admin-any-date = Beliebiges Datum
admin-today = Heute
admin-past-7-days = Letzte 7 Tage
admin-past-30-days = Letzte 30 Tage
admin-never = Nie
admin-filter-button = Filtern
admin-col-select = Auswählen
admin-col-user = Benutzer
admin-col-name = Name
admin-col-kind = Art
admin-col-added = Hinzugefügt
admin-col-last-used = Zuletzt verwendet
admin-col-confirmed = Eingerichtet
admin-col-failures = Falsche Codes in Folge
admin-col-locked = Gesperrt
admin-col-qr = QR-Code
admin-select = { $name } auswählen
admin-qr-link = QR-Code anzeigen
admin-none = Keine Anmeldemethode passt.
admin-reset-selected = Ausgewählte Methoden entsperren

admin-add-title = Anmeldemethode hinzufügen
admin-field-user = Benutzer-ID
admin-kind-totp = Authenticator-App (zeitbasiert)
admin-kind-hotp = Hardware-Token (zählerbasiert)
admin-kind-email = E-Mail-Codes
admin-kind-static = Backup-Codes
admin-field-name-optional = Name (optional)
admin-field-key = Schlüssel
admin-key-format = Schlüsselformat
admin-format-base32 = base32
admin-format-hex = hex
admin-field-key-hint = Für eine Authenticator-App oder ein Hardware-Token; leer lassen, um einen zu erzeugen.
admin-field-email = E-Mail-Adresse
admin-field-email-hint = Für E-Mail-Codes; leer lassen, um die Adresse des Benutzers zu verwenden.
admin-save = Speichern

admin-qr-alt = QR-Code der Konfiguration dieser Anmeldemethode
admin-back-to-device = Zurück zur Anmeldemethode

admin-device-title = Anmeldemethode
admin-config-title = Konfiguration
admin-codes-title = Neue Backup-Codes
admin-new-key-once = Der Schlüssel dieser Anmeldemethode, nur jetzt angezeigt:
admin-device-id = Persistente ID
admin-locked = gesperrt
admin-paused = pausiert; wieder nutzbar
admin-codes-hint = Backup-Codes werden nur einmal angezeigt, direkt nach ihrer Erstellung. Um wieder Codes zu sehen, erstelle neue: Sie ersetzen die aktuellen.
admin-key-current = Schlüssel (base32):
admin-field-new-key = Neuer Schlüssel (leer lässt den aktuellen)
admin-field-digits = Stellen (6–8)
admin-field-tolerance = Toleranz
admin-field-step = Intervall (Sekunden)
admin-field-t0 = T0 (Unix-Sekunden)
admin-field-drift = Abweichung (Intervalle)
admin-field-counter = Zähler
admin-empty-keeps = Leere Felder behalten ihren aktuellen Wert (oben angezeigt).
admin-confirm-button = Als eingerichtet markieren
admin-reset-button = Entsperren (falsche Codes zurücksetzen)
admin-codes-button = Backup-Codes erstellen
admin-delete-button = Löschen
admin-back-to-list = Zurück zur Liste

admin-reset-done = { $n ->
    [one] { $n } Anmeldemethode entsperrt.
   *[other] { $n } Anmeldemethoden entsperrt.
}
admin-reset-skipped = Nicht entsperrt: { $ids }, die Methode, mit der diese Sitzung bestätigt wurde.
admin-add-user-invalid = Gib eine gültige Benutzer-ID ein.
admin-add-kind-required = Wähle eine Art.

admin-invalid-range = { $field }: Gib eine ganze Zahl von { $min } bis { $max } ein.
admin-invalid-integer = { $field }: Gib eine ganze Zahl ein.
admin-invalid-counter = { $field }: Gib eine ganze Zahl von 0 bis 2⁶³ − 1 ein.
admin-key-hidden = Der Schlüssel kann hier nicht geändert werden.
admin-invalid-key = Der Schlüssel ist nicht verwendbar: { $detail }

admin-remove-title = „{ $name }“ von { $user } löschen?
admin-remove-what = { $user } kann sich danach nicht mehr damit anmelden; hat die Methode eine Sitzung bestätigt, ist diese Sitzung nicht mehr bestätigt.
admin-codes-confirm-title = Neue Backup-Codes für { $user } erstellen?
admin-codes-confirm-what = { $left ->
    [0] { $user } hat keine unbenutzten Backup-Codes.
    [one] Der unbenutzte Backup-Code von { $user } funktioniert nicht mehr, sobald die neuen Codes erstellt sind.
   *[other] Die { $left } unbenutzten Backup-Codes von { $user } funktionieren nicht mehr, sobald die neuen Codes erstellt sind.
}
admin-codes-confirm-save = Die neuen Codes werden nur einmal angezeigt: Gib sie { $user } auf sicherem Weg weiter.

admin-sessions-end-button = Alle Sitzungen von { $user } abmelden
admin-sessions-end-hint = Jeder Browser, in dem diese Person angemeldet ist, muss sich neu anmelden.
admin-sessions-ended = { $n ->
    [0] { $user } hatte keine Sitzung zum Abmelden.
    [one] 1 Sitzung von { $user } wurde abgemeldet.
   *[other] { $n } Sitzungen von { $user } wurden abgemeldet.
}
# Benutzer ohne Bestätigung in zwei Schritten (die Richtlinie).
admin-users-title = Benutzer ohne Bestätigung in zwei Schritten
admin-users-intro = Benutzer, für die die Richtlinie gilt (Einstellung: { $policy }) und die noch keine Anmeldemethode eingerichtet haben.
admin-users-none = Alle Benutzer, für die die Richtlinie gilt, haben eine Anmeldemethode.
admin-users-incomplete = Die Liste endet an ihrer Grenze: Nicht alle Benutzer werden angezeigt.
admin-trusted-revoke-button = Allen Browsern von { $user } das Vertrauen entziehen
admin-trusted-revoke-hint = Jeder Browser fragt bei der nächsten Anmeldung wieder nach einem Code.
admin-reenrol-recommended = Neueinrichtung empfohlen
admin-reenrol-explain = Dieses Gerät stammt aus django-otp und hat einen Schlüssel mit weniger als 16 Bytes. Es funktioniert weiter; bitten Sie die Person, es neu einzurichten und dieses danach zu entfernen.
