code-email-subject = Tu código de verificación
code-email-text = Tu código de verificación es { $token }. Si no lo has pedido, puede que alguien conozca tu contraseña: cámbiala, por favor.
