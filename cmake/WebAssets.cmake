# Embeds the front-end files (web/) into the cipette_web library. Owned by the web module.
