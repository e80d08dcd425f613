# La liste des appareils (/devices/), ses actions et ses pages de confirmation.

devices-title = Vos méthodes de connexion
devices-caption = Vos méthodes de connexion et ce que vous pouvez faire avec chacune
devices-col-name = Nom
devices-col-kind = Type
devices-col-details = Détails
devices-col-last-used = Dernière utilisation
devices-col-added = Ajoutée
devices-col-actions = Actions
devices-current = utilisée pour cette session
devices-unconfirmed = configuration non terminée
devices-locked = bloquée après trop de codes erronés
devices-throttled = en pause après des codes erronés ; de nouveau utilisable
devices-new-name = Nouveau nom
devices-rename-button = Renommer
devices-unlock-button = Débloquer
devices-regenerate-link = Obtenir de nouveaux codes de secours
devices-remove-link = Supprimer
devices-none = Vous n’avez pas encore de méthode de connexion en plus de votre mot de passe.
devices-add-title = Ajouter une méthode de connexion
devices-add-backup-codes = Obtenir des codes de secours
devices-add-backup-codes-hint = Les codes de secours vous permettent de vous connecter quand vous ne pouvez pas utiliser vos autres méthodes. Chacun fonctionne une fois.
devices-cancel = Annuler

devices-kind-totp = Application d’authentification
devices-kind-hotp = Jeton matériel
devices-kind-email = Codes par e-mail
devices-kind-static = Codes de secours

devices-codes-left-of = { $left } sur { $total } restants
devices-codes-left = { $left ->
    [one] { $left } code restant
   *[other] { $left } codes restants
}

devices-name-required = Saisissez un nom.
devices-name-too-long = Utilisez au plus { $max } caractères.
devices-name-invalid = Le nom contient des caractères non autorisés.

devices-renamed = Renommée en « { $name } ».
devices-unlocked = « { $name } » est débloquée.
devices-removed = « { $name } » a été supprimée.
devices-removed-own = Vous avez supprimé « { $name } », la méthode avec laquelle vous vous êtes connecté. Cette session n’est plus vérifiée : vérifiez-la avec une autre méthode pour continuer.
devices-removed-own-last = Vous avez supprimé « { $name } », la méthode avec laquelle vous vous êtes connecté. Cette session n’est plus vérifiée et il ne vous reste aucune méthode de connexion : ajoutez-en une pour protéger votre compte.

devices-remove-title = Supprimer « { $name } » ?
devices-remove-what = Vous ne pourrez plus vous connecter avec.
devices-remove-static = Vos codes de secours inutilisés cesseront de fonctionner.
devices-remove-current = Vous vous êtes connecté avec dans cette session : ensuite, cette session ne sera plus vérifiée et vous devrez la vérifier avec une autre méthode pour gérer à nouveau vos méthodes de connexion.
devices-remove-last = C’est votre dernière méthode de connexion : ensuite, seul votre mot de passe protégera votre compte.
devices-remove-last-required = C’est votre dernière méthode de connexion : ensuite, vous ne pourrez plus vous connecter tant qu’un administrateur ne vous en aura pas configuré une nouvelle.
devices-remove-button = Supprimer

devices-regenerate-title = Obtenir de nouveaux codes de secours ?
devices-regenerate-what = { $left ->
    [0] Vous n’avez aucun code de secours inutilisé.
    [one] Votre code de secours inutilisé cessera de fonctionner dès que les nouveaux codes seront créés.
   *[other] Vos { $left } codes de secours inutilisés cesseront de fonctionner dès que les nouveaux codes seront créés.
}
devices-regenerate-save = Les nouveaux codes ne sont affichés qu’une fois : conservez-les en lieu sûr.
devices-regenerate-button = Obtenir de nouveaux codes de secours

# « Vos sessions » (/devices/, §7.7.1).
sessions-title = Vos sessions
sessions-hint = Là où vous êtes connecté. Si vous n’en reconnaissez pas une, déconnectez-la et changez votre mot de passe.
sessions-caption = Vos sessions connectées, avec ce que vous pouvez faire pour chacune
sessions-col-device = Navigateur
sessions-col-signed-in = Connexion
sessions-col-last-seen = Dernière activité
sessions-current = cette session
sessions-agent = { $browser } sous { $os }
sessions-agent-os = Un navigateur sous { $os }
sessions-agent-unknown = Navigateur inconnu
sessions-end-button = Déconnecter
sessions-end-label = Déconnecter { $description }
sessions-end-others-button = Déconnecter toutes les autres sessions
sessions-ended-one = { $description } est déconnecté.
sessions-ended-others = { $n ->
    [0] Il n’y avait aucune autre session à déconnecter.
    [one] 1 autre session a été déconnectée.
   *[other] { $n } autres sessions ont été déconnectées.
}
# Navigateurs de confiance (« Faire confiance à ce navigateur » à l’étape du code).
trusted-title = Navigateurs de confiance
trusted-hint = Ces navigateurs vous connectent avec votre seul mot de passe. Révoquez celui que vous n’utilisez plus ou ne reconnaissez pas.
trusted-caption = Vos navigateurs de confiance, avec ce que vous pouvez faire pour chacun
trusted-col-trusted = De confiance depuis
trusted-revoke-button = Révoquer
trusted-revoke-label = Révoquer { $description }
trusted-revoke-all-button = Révoquer tous les navigateurs de confiance
trusted-none = Aucun navigateur n’est de confiance. Cochez « Faire confiance à ce navigateur » en saisissant un code pour en ajouter un.
trusted-revoked-one = Ce navigateur demandera de nouveau un code.
trusted-revoked-all = { $n ->
    [0] Aucun navigateur n’était de confiance.
    [one] 1 navigateur demandera de nouveau un code.
   *[other] { $n } navigateurs demanderont de nouveau un code.
}
