from xception_edu.lessons.wording import plural


def test_one_takes_the_singular_and_every_other_count_the_plural():
    assert plural(1, "kernel") == "1 kernel"
    assert [plural(n, "seed") for n in (0, 2, 1024)] == ["0 seeds", "2 seeds", "1,024 seeds"]
    assert plural(3, "child", "children") == "3 children"


def test_the_cost_widget_names_one_kernel_in_the_singular():
    from xception_edu.lessons import nb01_standard_convolution as nb01

    assert "= 1 kernel<" in nb01.conv_cost_view(cin=3, cout=1, kernel_size=3, size=7)
