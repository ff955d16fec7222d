
ˆ
test_flatten_axis1!bnn4j onnx import of backend-test@a800e488f3f82826f3f26961f43bc6ceedc7df932d0ba5d058c5b23e3677634c *
aC

a	
b<*)
	Flatten_0Reshapea"b*
shape*
<