
‰
test_add_bcast!bnn4j onnx import of backend-test@d562ef62b7e9541e2b9bf2b5ae6297bfeaa7d14a19c689388318b2dcda7a1550 *
x*
y=


x

y
sum*
Add_0Addxy"sum