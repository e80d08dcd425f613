# Passkeys und Sicherheitsschlüssel (Web-Teil von otpkit-webauthn). Du-Form, wie otpkits
# Anmeldeseiten.
passkey-use = Sicherheitsschlüssel oder Passkey verwenden
passkey-verify-title = Mit deinem Sicherheitsschlüssel anmelden
passkey-verify-hint = Drücke die Schaltfläche und berühre dann deinen Sicherheitsschlüssel oder bestätige mit der Bildschirmsperre deines Geräts.
passkey-other-method = Andere Methode verwenden
passkey-new-title = Sicherheitsschlüssel oder Passkey hinzufügen
passkey-new-intro = Ein Sicherheitsschlüssel oder Passkey meldet dich mit einer Berührung, einem Fingerabdruck oder der Bildschirmsperre deines Geräts an. Er kann nicht abgefischt werden.
passkey-name-label = Name
passkey-name-hint = Damit du deine Schlüssel unterscheiden kannst, zum Beispiel „Blauer Schlüssel“. Leer lassen, um das Modell des Schlüssels zu verwenden.
passkey-new-button = Hinzufügen
passkey-error = Das hat nicht geklappt. Bitte versuche es erneut oder verwende eine andere Methode.
passkey-needs-script = Dieser Schritt benötigt JavaScript in deinem Browser.
passkey-default-name = Passkey
