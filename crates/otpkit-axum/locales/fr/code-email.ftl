code-email-subject = Votre code de vérification
code-email-text = Votre code de vérification est { $token }. Si vous ne l’avez pas demandé, quelqu’un connaît peut-être votre mot de passe : veuillez le changer.
