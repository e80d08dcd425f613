code-email-subject = O seu código de verificação
code-email-text = O seu código de verificação é { $token }. Se não o pediu, alguém pode saber a sua palavra-passe: altere-a, por favor.
