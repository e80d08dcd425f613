common-account-nav = Compte
common-site-nav = Site
common-skip-to-content = Aller au contenu principal
common-security = Validation en deux étapes
common-sign-in = Se connecter
common-sign-out = Se déconnecter
common-admin = Administration
common-signed-in-as = Connecté en tant que { $user }
common-error-title = Un problème est survenu
common-back = Retour
common-cancel = Annuler
common-continue = Continuer
common-save = Enregistrer
common-language = Langue
common-language-choose = Changer de langue
language-en = English
language-de = Deutsch
language-es = Español
language-fr = Français
language-pt = Português

time-just-now = à l’instant
time-never = jamais
time-on-date = le { $date }
time-minutes-ago = { $n ->
        [one] il y a 1 minute
       *[other] il y a { $n } minutes
    }
time-hours-ago = { $n ->
        [one] il y a 1 heure
       *[other] il y a { $n } heures
    }
time-days-ago = { $n ->
        [one] hier
       *[other] il y a { $n } jours
    }
time-minutes-from-now = { $n ->
        [one] dans 1 minute
       *[other] dans { $n } minutes
    }
time-hours-from-now = { $n ->
        [one] dans 1 heure
       *[other] dans { $n } heures
    }
time-days-from-now = { $n ->
        [one] demain
       *[other] dans { $n } jours
    }
