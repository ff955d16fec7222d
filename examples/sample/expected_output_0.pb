
Boutput_0J(ùÂÁM¦ÌÀ•k%AšÛš¿ y–¿ZuŞ@K	Á
Á1‘IAªîğÁ