
|
	test_relu!bnn4j onnx import of backend-test@8731c9c8345395a58d23e8d20b1aff5aa34708e482c0663095cd94450789a2cb *
x.


x

y*
Relu_0Relux"y