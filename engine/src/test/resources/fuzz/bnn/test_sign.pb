
z
	test_sign!bnn4j onnx import of backend-test@e65e3163c3810a71b92dea4dc4d2a956c940bd3b10ee5b881eb63004905e111c *
x*

x
y*
Sign_0Signx"y