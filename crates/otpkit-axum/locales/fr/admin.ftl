# L’espace d’administration (/admin/) : les méthodes de connexion de tous les utilisateurs.

admin-list-title = Méthodes de connexion de tous les utilisateurs
admin-list-caption = Méthodes de connexion de tous les utilisateurs, avec leur état
admin-add-link = Ajouter une méthode de connexion
admin-filter-search = Rechercher (utilisateur, nom ou adresse e-mail)
admin-filter-all = Toutes
admin-yes = Oui
admin-no = Non
admin-any-date = N’importe quelle date
admin-today = Aujourd’hui
admin-past-7-days = 7 derniers jours
admin-past-30-days = 30 derniers jours
admin-never = Jamais
admin-filter-button = Filtrer
admin-col-select = Sélectionner
admin-col-user = Utilisateur
admin-col-name = Nom
admin-col-kind = Type
admin-col-added = Ajoutée
admin-col-last-used = Dernière utilisation
admin-col-confirmed = Configurée
admin-col-failures = Codes erronés d’affilée
admin-col-locked = Bloquée
admin-col-qr = Code QR
admin-select = Sélectionner { $name }
admin-qr-link = Afficher le code QR
admin-none = Aucune méthode de connexion ne correspond.
admin-reset-selected = Débloquer les méthodes sélectionnées

admin-add-title = Ajouter une méthode de connexion
admin-field-user = Identifiant de l’utilisateur
admin-kind-totp = Application d’authentification (basée sur le temps)
admin-kind-hotp = Jeton matériel (basé sur un compteur)
admin-kind-email = Codes par e-mail
admin-kind-static = Codes de secours
admin-field-name-optional = Nom (facultatif)
admin-field-key = Clé
admin-key-format = Format de la clé
admin-format-base32 = base32
admin-format-hex = hex
admin-field-key-hint = Pour une application d’authentification ou un jeton matériel ; laissez vide pour en générer une.
admin-field-email = Adresse e-mail
admin-field-email-hint = Pour les codes par e-mail ; laissez vide pour utiliser l’adresse de l’utilisateur.
admin-save = Enregistrer

admin-qr-alt = Code QR de la configuration de cette méthode de connexion
admin-back-to-device = Retour à la méthode de connexion

admin-device-title = Méthode de connexion
admin-config-title = Configuration
admin-codes-title = Nouveaux codes de secours
admin-new-key-once = La clé de cette méthode de connexion, affichée seulement maintenant :
admin-device-id = Identifiant persistant
admin-locked = bloquée
admin-paused = en pause ; de nouveau utilisable
admin-codes-hint = Les codes de secours ne sont affichés qu’une fois, juste après leur création. Pour revoir des codes, générez-en de nouveaux : ils remplacent les actuels.
admin-key-current = Clé (base32) :
admin-field-new-key = Nouvelle clé (vide conserve l’actuelle)
admin-field-digits = Chiffres (6–8)
admin-field-tolerance = Tolérance
admin-field-step = Intervalle (secondes)
admin-field-t0 = T0 (secondes Unix)
admin-field-drift = Dérive (intervalles)
admin-field-counter = Compteur
admin-empty-keeps = Les champs vides conservent leur valeur actuelle (affichée ci-dessus).
admin-confirm-button = Marquer comme configurée
admin-reset-button = Débloquer (remettre à zéro les codes erronés)
admin-codes-button = Générer des codes de secours
admin-delete-button = Supprimer
admin-back-to-list = Retour à la liste

admin-reset-done = { $n ->
    [one] { $n } méthode de connexion débloquée.
   *[other] { $n } méthodes de connexion débloquées.
}
admin-reset-skipped = Non débloquée : { $ids }, la méthode qui a vérifié cette session.
admin-add-user-invalid = Saisissez un identifiant d’utilisateur valide.
admin-add-kind-required = Choisissez un type.

admin-invalid-range = { $field } : saisissez un nombre entier de { $min } à { $max }.
admin-invalid-integer = { $field } : saisissez un nombre entier.
admin-invalid-counter = { $field } : saisissez un nombre entier de 0 à 2⁶³ − 1.
admin-key-hidden = La clé ne peut pas être modifiée ici.
admin-invalid-key = La clé est inutilisable : { $detail }

admin-remove-title = Supprimer « { $name } » de { $user } ?
admin-remove-what = { $user } ne pourra plus se connecter avec ; si elle a vérifié une de ses sessions, cette session n’est plus vérifiée.
admin-codes-confirm-title = Générer de nouveaux codes de secours pour { $user } ?
admin-codes-confirm-what = { $left ->
    [0] { $user } n’a aucun code de secours inutilisé.
    [one] Le code de secours inutilisé de { $user } cessera de fonctionner dès que les nouveaux codes seront créés.
   *[other] Les { $left } codes de secours inutilisés de { $user } cesseront de fonctionner dès que les nouveaux codes seront créés.
}
admin-codes-confirm-save = Les nouveaux codes ne sont affichés qu’une fois : transmettez-les à { $user } de manière sûre.

admin-sessions-end-button = Déconnecter toutes les sessions de { $user }
admin-sessions-end-hint = Chaque navigateur où cette personne est connectée devra se reconnecter.
admin-sessions-ended = { $n ->
    [0] { $user } n’avait aucune session à déconnecter.
    [one] 1 session de { $user } a été déconnectée.
   *[other] { $n } sessions de { $user } ont été déconnectées.
}
# Utilisateurs sans validation en deux étapes (la politique).
admin-users-title = Utilisateurs sans validation en deux étapes
admin-users-intro = Utilisateurs couverts par la politique (réglage : { $policy }) qui n’ont pas encore configuré de méthode de connexion.
admin-users-none = Tous les utilisateurs couverts par la politique ont une méthode de connexion.
admin-users-incomplete = La liste s’arrête à sa limite : tous les utilisateurs ne sont pas affichés.
admin-trusted-revoke-button = Révoquer tous les navigateurs de confiance de { $user }
admin-trusted-revoke-hint = Chacun de ses navigateurs demandera un code à la prochaine connexion.
admin-reenrol-recommended = Nouvelle configuration recommandée
admin-reenrol-explain = Cet appareil vient de django-otp avec une clé de moins de 16 octets. Il fonctionne toujours ; demandez à son titulaire de le configurer à nouveau, puis supprimez celui-ci.
